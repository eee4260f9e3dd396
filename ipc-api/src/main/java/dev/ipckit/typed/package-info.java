/**
 * Values instead of bytes on a {@link dev.ipckit.Channel}: {@link dev.ipckit.typed.TypedChannel}
 * sends and receives values through a {@link dev.ipckit.codec.Codec};
 * {@link dev.ipckit.typed.RpcChannel} adds request/response with correlation ids and deadlines,
 * and node-ipc-style events, over one channel.
 */
package dev.ipckit.typed;
