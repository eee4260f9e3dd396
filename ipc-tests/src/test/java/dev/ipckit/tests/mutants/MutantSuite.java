package dev.ipckit.tests.mutants;

import dev.ipckit.tests.ChannelConformanceSuite;
import dev.ipckit.tests.TransportFixture;
import java.util.Locale;
import java.util.UUID;

/**
 * The suite against the {@link MutantTransport} with the mutation {@link #mutation}. Run only by
 * {@link dev.ipckit.tests.SuiteSelfTest} through the JUnit launcher (the name keeps Surefire away).
 */
public class MutantSuite extends ChannelConformanceSuite {
  /** Set by the self-test before it launches the cases; read when a fixture is made. */
  public static volatile Mutation mutation = Mutation.NONE;

  @Override
  protected TransportFixture createFixture() {
    String prefix = "mutant:" + mutation.name().toLowerCase(Locale.ROOT) + "/";
    return new TransportFixture(MutantTransport.CAPABILITIES) {
      @Override
      public String serverUri(String options) {
        return prefix + "m-" + UUID.randomUUID() + (options.isEmpty() ? "" : "?" + options);
      }
    };
  }
}
