/**
 * Helpers of the typed layer. <b>Not API:</b> anything here may change or disappear in any
 * release.
 */
package dev.ipckit.typed.internal;
