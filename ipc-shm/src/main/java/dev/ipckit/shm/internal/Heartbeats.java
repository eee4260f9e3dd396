package dev.ipckit.shm.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The one thread per JVM ({@value #THREAD_NAME}) that beats every open shm: endpoint's
 * {@link ControlBlock} and watches every peer's. Chronicle Queue has no connection, so this is
 * the connection: a peer whose block says CLOSED has closed; a peer whose process is gone (same
 * pid namespace) or whose beat counter has not moved for {@code peerTimeout} is lost.
 *
 * <p>The thread starts with the first {@link Watch} and ends when the last one is removed, so a
 * JVM with no open shm: channel has no ipckit thread. Not API.
 */
public final class Heartbeats {
  public static final String THREAD_NAME = "ipckit-shm-heartbeat";
  private static final Object LOCK = new Object();
  private static final List<Watch> WATCHES = new ArrayList<>();
  private static Thread thread;

  private Heartbeats() {}

  /** Where a watch finds its peer's block; it may change (a client's peer becomes its connection). */
  @FunctionalInterface
  public interface PeerSource {
    /** The peer's block now, or null if there is none (yet). */
    ControlBlock peer() throws IOException;
  }

  /** One endpoint: its own block to beat and its peer to watch. */
  public static final class Watch {
    private final ControlBlock own;
    private final PeerSource source;
    private final long heartbeatNanos;
    private final long peerTimeoutNanos;
    private final String peerName;
    private volatile ControlBlock peer;
    private volatile String lost;
    // touched by the heartbeat thread only
    private long nextBeat;
    private long lastBeats = Long.MIN_VALUE;
    private long lastChange;

    Watch(ControlBlock own, PeerSource source, long heartbeatNanos, long peerTimeoutNanos, String peerName) {
      this.own = own;
      this.source = source;
      this.heartbeatNanos = heartbeatNanos;
      this.peerTimeoutNanos = peerTimeoutNanos;
      this.peerName = peerName;
    }

    /** The peer's block as last found, or null. */
    public ControlBlock peer() {
      return peer;
    }

    /** Why the peer is considered lost (gone, silent), or null while it is not. */
    public String lost() {
      return lost;
    }

    /** Looks for the peer's block now (the heartbeat thread does so every beat anyway). */
    public ControlBlock refreshPeer() {
      try {
        ControlBlock p = source.peer();
        if (p != null) {
          peer = p;
        }
      } catch (IOException e) {
        // keep the last one; the next beat tries again
      }
      return peer;
    }

    private void tick(long now) {
      if (now - nextBeat >= 0) {
        own.beat();
        nextBeat = now + heartbeatNanos;
      }
      if (lost != null) {
        return;
      }
      ControlBlock before = peer;
      ControlBlock p = refreshPeer();
      if (p == null) {
        return;
      }
      if (p != before) {
        lastBeats = Long.MIN_VALUE;
      }
      long beats = p.beats();
      // a peer configured to beat slowly is given two of its own intervals, whatever ours says
      long timeout = Math.max(peerTimeoutNanos, TimeUnit.MILLISECONDS.toNanos(2 * p.heartbeatMillis()));
      if (beats != lastBeats) {
        lastBeats = beats;
        lastChange = now;
      } else if (now - lastChange > timeout && p.state() == ControlBlock.OPEN) {
        lost = peerName + " (pid " + p.pid() + ") sent no heartbeat for "
            + TimeUnit.NANOSECONDS.toMillis(now - lastChange) + " ms (peerTimeout "
            + TimeUnit.NANOSECONDS.toMillis(timeout) + " ms)";
        return;
      }
      if (p.state() == ControlBlock.OPEN && p.ownerGone().orElse(false)) {
        lost = peerName + " process " + p.pid() + " is gone (killed or crashed without closing)";
      }
    }
  }

  /**
   * Starts beating {@code own} and watching the peer {@code source} names.
   *
   * @param peerName how errors name the peer ("the shm: server", "client 1234-ab12")
   */
  public static Watch start(ControlBlock own, PeerSource source, long heartbeatNanos, long peerTimeoutNanos,
      String peerName) {
    Watch w = new Watch(own, source, heartbeatNanos, peerTimeoutNanos, peerName);
    w.refreshPeer();
    w.lastChange = System.nanoTime();
    w.nextBeat = w.lastChange + heartbeatNanos;
    synchronized (LOCK) {
      WATCHES.add(w);
      if (thread == null) {
        thread = new Thread(Heartbeats::run, THREAD_NAME);
        thread.setDaemon(true);
        thread.start();
      } else {
        LockSupport.unpark(thread);
      }
    }
    return w;
  }

  /** Stops beating for {@code w}; the thread ends with the last watch. */
  public static void stop(Watch w) {
    synchronized (LOCK) {
      WATCHES.remove(w);
      if (thread != null) {
        LockSupport.unpark(thread);
      }
    }
  }

  private static void run() {
    List<Watch> now = new ArrayList<>();
    while (true) {
      long period;
      synchronized (LOCK) {
        if (WATCHES.isEmpty()) {
          thread = null;
          return;
        }
        now.clear();
        now.addAll(WATCHES);
      }
      period = Long.MAX_VALUE;
      long t = System.nanoTime();
      for (Watch w : now) {
        try {
          w.tick(t);
        } catch (RuntimeException e) {
          // one broken block (a file removed under us) must not stop the others' heartbeats
        }
        period = Math.min(period, w.heartbeatNanos);
      }
      // watch peers at least 4 times per peer timeout, beat at least once per interval
      for (Watch w : now) {
        period = Math.min(period, w.peerTimeoutNanos / 4);
      }
      LockSupport.parkNanos(Heartbeats.class, Math.max(period, TimeUnit.MILLISECONDS.toNanos(5)));
    }
  }
}
