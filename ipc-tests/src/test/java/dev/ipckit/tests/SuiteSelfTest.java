package dev.ipckit.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import dev.ipckit.tests.mutants.Mutation;
import dev.ipckit.tests.mutants.MutantSuite;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.MethodSelector;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Tests the suite itself: each {@link Mutation} of the mem: transport (one deliberate bug) must
 * make the named cases fail, and the unmutated transport must pass them. A case that cannot fail
 * is worth nothing.
 */
class SuiteSelfTest {

  static Stream<Arguments> mutants() {
    return Stream.of(
        Arguments.of(Mutation.DROPS, List.of("orderAndNoLossOver100kMessagesBetweenThreads")),
        Arguments.of(Mutation.SWAPS, List.of("orderAndNoLossOver100kMessagesBetweenThreads",
            "bothSidesSendingAtOnceDoNotDeadlock")),
        Arguments.of(Mutation.CORRUPTS, List.of("messagesArriveIdenticalInBothDirections(int)")),
        Arguments.of(Mutation.PARTIAL_OVERSIZE,
            List.of("oversizeMessageFailsBeforeAnythingIsSentAndTheChannelStaysUsable", "defaultLimitIs16MiB")),
        Arguments.of(Mutation.REUSES_RECEIVE_BUFFER, List.of("sendCopiesTheMessageAndReceivedBuffersStayValid")),
        Arguments.of(Mutation.WRITABLE_POLL, List.of("pollHandsReadOnlyViewsAndHonoursItsLimit")),
        Arguments.of(Mutation.SLOW_CLOSE, List.of("clientCloseReachesTheServerAfterEveryEarlierMessage",
            "serverCloseReachesTheClientAfterEveryEarlierMessage", "closeWakesUpAReceiveBlockedInAnotherThread")),
        Arguments.of(Mutation.IGNORES_TIMEOUT, List.of("receiveReturnsNullAfterItsTimeout")),
        Arguments.of(Mutation.UNBOUNDED, List.of("aSlowReceiverBoundsTheSenderAndLosesNothing")),
        Arguments.of(Mutation.SEND_AFTER_CLOSE_IGNORED, List.of("closeIsIdempotentAndEveryLaterUseFails")),
        Arguments.of(Mutation.ALWAYS_OPEN, List.of("clientCloseReachesTheServerAfterEveryEarlierMessage",
            "closeIsIdempotentAndEveryLaterUseFails")),
        Arguments.of(Mutation.LEAKS_THREAD, List.of("channelsDeclareTheCapabilitiesOfTheirFixture")));
  }

  @ParameterizedTest(name = "{0} is caught")
  @MethodSource("mutants")
  @Timeout(120)
  void theSuiteCatchesTheMutant(Mutation mutation, List<String> cases) {
    List<String> failed = run(mutation, cases);
    System.out.println(mutation + " caught by:\n  " + String.join("\n  ", failed));
    for (String c : cases) {
      assertTrue(failed.stream().anyMatch(f -> f.startsWith(c)),
          "the suite did not catch " + mutation + " in " + c + "; failed: " + failed);
    }
  }

  @ParameterizedTest(name = "unmutated passes what catches {0}")
  @MethodSource("mutants")
  @Timeout(120)
  void theSameCasesPassWithoutTheMutation(Mutation mutation, List<String> cases) {
    assertEquals(List.of(), run(Mutation.NONE, cases), "cases that fail without any mutation");
  }

  /** Runs {@code cases} of the suite against {@code mutation}; returns the failed ones with why. */
  private static List<String> run(Mutation mutation, List<String> cases) {
    MutantSuite.mutation = mutation;
    List<MethodSelector> selectors = cases.stream()
        .map(c -> selectMethod(MutantSuite.class.getName() + "#" + c)).toList();
    LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request().selectors(selectors).build();
    List<String> failed = new ArrayList<>();
    int[] finished = new int[1];
    LauncherFactory.create().execute(request, new TestExecutionListener() {
      @Override
      public void executionFinished(TestIdentifier id, TestExecutionResult result) {
        if (!id.isTest() && result.getStatus() == TestExecutionResult.Status.SUCCESSFUL) {
          return;
        }
        if (id.isTest()) {
          finished[0]++;
        }
        if (result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
          failed.add(id.getLegacyReportingName() + ": "
              + result.getThrowable().map(Throwable::toString).orElse(result.getStatus().toString()));
        }
      }
    });
    MutantSuite.mutation = Mutation.NONE;
    assertTrue(finished[0] >= cases.size(), "ran " + finished[0] + " cases of " + cases);
    return failed;
  }
}
