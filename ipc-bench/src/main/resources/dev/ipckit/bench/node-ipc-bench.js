'use strict';
// The node-ipc row of `ipc bench`: Node's own child_process IPC, a Node parent and a child it
// forks, talking with process.send / 'message' (JSON serialization, Node's default). Measured the
// way the Java rows are: the child sends strings of SIZE bytes for SEND_MS, then an empty string
// (the stop marker); the parent counts them over a window on its own clock after a warm-up. Then
// the parent sends one message at a time and waits for the child's echo; round trips are
// corrected for coordinated omission as the Java rows are (expected interval: the warm-up's
// median). Prints one JSON line on stdout.
//
// usage: node node-ipc-bench.js SIZE WARMUP_MS WINDOW_MS SEND_MS RTT_WARMUP RTT_WARMUP_MS RTT_ITERATIONS RTT_MS
const { fork } = require('child_process');

if (process.argv[2] === 'child') {
  child(+process.argv[3], +process.argv[4]);
} else {
  parent(process.argv.slice(2).map(Number));
}

function child(size, sendMs) {
  const payload = 'x'.repeat(size);
  const end = performance.now() + sendMs;
  let echoing = false;
  process.on('message', (m) => {
    if (!echoing) {
      return;
    }
    if (m === '') {
      process.disconnect();
    } else {
      process.send(m);
    }
  });
  // bursts of sends, each waiting for the last one's callback, so the backlog stays bounded
  const burst = () => {
    if (performance.now() >= end) {
      echoing = true;
      process.send('');
      return;
    }
    for (let i = 0; i < 255; i++) {
      process.send(payload);
    }
    process.send(payload, burst);
  };
  burst();
}

function parent([size, warmupMs, windowMs, sendMs, rttWarmup, rttWarmupMs, rttIterations, rttMs]) {
  const c = fork(__filename, ['child', String(size), String(sendMs)], { stdio: 'inherit' });
  const now = () => process.hrtime.bigint();
  const warmupNs = BigInt(Math.round(warmupMs * 1e6));
  const windowNs = BigInt(Math.round(windowMs * 1e6));
  let first = -1n, start = -1n, startCount = 0, endTime = -1n, endCount = 0, count = 0, batches = 0;
  const payload = 'y'.repeat(size);
  let phase = 'one-way';
  let onReply = null;
  c.on('message', (m) => {
    if (phase === 'one-way') {
      if (m === '') {
        phase = 'rtt';
        if (start < 0n) {
          fail('the sender stopped during the warm-up after ' + count + ' messages');
        }
        if (endTime < 0n) {
          endTime = now();
          endCount = count;
        }
        roundTrips();
        return;
      }
      count++;
      if (endTime >= 0n) {
        return;
      }
      const t = now();
      batches++;
      if (first < 0n) {
        first = t;
      } else if (start < 0n) {
        if (t - first >= warmupNs) {
          start = t;
          startCount = count;
          batches = 0;
        }
      } else if (t - start >= windowNs) {
        endTime = t;
        endCount = count;
      }
    } else if (onReply) {
      const f = onReply;
      onReply = null;
      f();
    }
  });
  c.on('exit', (code, signal) => {
    if (phase !== 'done') {
      fail('the node child exited with ' + (signal || code) + ' before the end');
    }
  });

  function roundTrip() {
    return new Promise((resolve) => {
      onReply = resolve;
      c.send(payload);
    });
  }

  async function roundTrips() {
    const warm = [];
    let until = now() + BigInt(rttWarmupMs * 1e6);
    for (let i = 0; i < rttWarmup && now() < until; i++) {
      const t0 = now();
      await roundTrip();
      warm.push(Number(now() - t0));
    }
    warm.sort((a, b) => a - b);
    const interval = warm.length ? warm[Math.floor(warm.length / 2)] : 0;
    const samples = [];
    let measured = 0;
    until = now() + BigInt(rttMs * 1e6);
    for (let i = 0; i < rttIterations; i++) {
      const t0 = now();
      await roundTrip();
      const t1 = now();
      const v = Number(t1 - t0);
      samples.push(v);
      // HdrHistogram's recordValueWithExpectedInterval
      if (interval > 0) {
        for (let missing = v - interval; missing >= interval; missing -= interval) {
          samples.push(missing);
        }
      }
      measured++;
      if (t1 > until) {
        break;
      }
    }
    samples.sort((a, b) => a - b);
    const pct = (p) => samples[Math.max(0, Math.ceil((p / 100) * samples.length) - 1)] / 1000;
    phase = 'done';
    c.send('');
    process.stdout.write(JSON.stringify({
      messages: endCount - startCount, nanos: Number(endTime - start), batches, total: count,
      rtt_count: measured, p50_us: pct(50), p99_us: pct(99), p999_us: pct(99.9),
      max_us: samples[samples.length - 1] / 1000, interval_us: interval / 1000,
    }) + '\n');
  }

  function fail(message) {
    process.stderr.write('node-ipc bench: ' + message + '\n');
    c.kill();
    process.exit(1);
  }
}
