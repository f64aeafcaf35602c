package org.parley.xmpp.xml;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The UTF-8 checks Aalto leaves out. Its decoder rejects stray continuation bytes, truncated sequences and
 * 5/6-byte forms, but decodes overlong forms (C0 AF as '/'), so those, encoded surrogates and code points above
 * U+10FFFF are caught here.
 */
final class Utf8Check {

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());
    private static final long HIGH_BITS = 0x8080808080808080L;

    private Utf8Check() {
    }

    /**
     * Index of the first byte in {@code b[off, off+len)} that makes the input invalid UTF-8, or -1.
     *
     * @param previous the byte that preceded {@code b[off]} in the stream (0 at the start)
     */
    static int firstInvalid(byte[] b, int off, int len, byte previous) {
        int end = off + len;
        int i = off;
        int prev = previous & 0xFF;
        while (i < end) {
            if (prev < 0x80) {
                // XMPP traffic is mostly ASCII: skip it eight bytes at a time.
                while (i + 8 <= end && ((long) LONGS.get(b, i) & HIGH_BITS) == 0) {
                    i += 8;
                }
                if (i >= end) {
                    break;
                }
            }
            int u = b[i] & 0xFF;
            if (u >= 0x80) {
                if (u == 0xC0 || u == 0xC1 || u >= 0xF5) {
                    return i;
                }
                switch (prev) {
                    case 0xE0 -> {
                        if (u < 0xA0) {
                            return i;
                        }
                    }
                    case 0xED -> {
                        if (u >= 0xA0) {
                            return i;
                        }
                    }
                    case 0xF0 -> {
                        if (u < 0x90) {
                            return i;
                        }
                    }
                    case 0xF4 -> {
                        if (u >= 0x90) {
                            return i;
                        }
                    }
                    default -> { }
                }
            }
            prev = u;
            i++;
        }
        return -1;
    }
}
