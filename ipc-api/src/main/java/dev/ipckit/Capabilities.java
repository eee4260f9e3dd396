package dev.ipckit;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/** The set of {@link Capability capabilities} a transport declares. Immutable. */
public final class Capabilities {
  private final Set<Capability> set;

  private Capabilities(Set<Capability> set) {
    this.set = Collections.unmodifiableSet(set);
  }

  public static Capabilities of(Capability... capabilities) {
    EnumSet<Capability> s = EnumSet.noneOf(Capability.class);
    Collections.addAll(s, capabilities);
    return new Capabilities(s);
  }

  public boolean has(Capability c) {
    return set.contains(c);
  }

  public Set<Capability> asSet() {
    return set;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Capabilities other && other.set.equals(set);
  }

  @Override
  public int hashCode() {
    return set.hashCode();
  }

  @Override
  public String toString() {
    return set.toString();
  }
}
