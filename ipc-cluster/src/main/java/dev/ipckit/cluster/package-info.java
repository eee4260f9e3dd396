/**
 * The master/worker model of Node's cluster for the JVM: a supervisor that starts, watches,
 * restarts and retires worker processes, hands them a listening socket bound once, and shuts them
 * down gracefully; and a pool that runs tasks in child processes.
 */
package dev.ipckit.cluster;
