/**
 * A pool of worker JVMs that run named tasks: {@link dev.ipckit.cluster.pool.WorkerPool} in the
 * application, {@link dev.ipckit.cluster.pool.PoolWorker} in the worker's main, and a
 * {@link dev.ipckit.cluster.pool.TaskType} shared by both. A worker that crashes or hangs fails
 * only its task and is replaced. See docs/CLUSTER.md, "Worker pool".
 */
package dev.ipckit.cluster.pool;
