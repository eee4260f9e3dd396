/**
 * Codecs that turn values into message bytes and back: raw bytes, UTF-8 text, JSON (Jackson)
 * and Kryo. See {@link dev.ipckit.codec.Codec}.
 */
package dev.ipckit.codec;
