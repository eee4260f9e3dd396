package dev.ipckit.cli;

import picocli.CommandLine.IVersionProvider;

/** {@code ipc --version}: the module version from the jar's manifest, and the JVM. */
final class Version implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = Main.class.getPackage().getImplementationVersion();
    return new String[] {"ipc " + (v == null ? "(development build)" : v) + ", Java " + Runtime.version()};
  }
}
