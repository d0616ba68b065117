package io.tensorbox.api.ports;

import org.junit.jupiter.api.Test;

import static io.tensorbox.api.ports.Addresses.Kind.ANY;
import static io.tensorbox.api.ports.Addresses.Kind.LOOPBACK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class AddressesTest {

    @Test
    void literalsAreClassifiedWithoutLookups() {
        for (String any : new String[] {"0.0.0.0", "::", "0:0:0:0:0:0:0:0", "10.1.2.3", "fe80::1", "::ffff:10.0.0.1",
                "2001:db8::8:800:200c:417a", "1::", "::ffff:0.0.0.0"}) {
            assertEquals(ANY, Addresses.kind(any), any);
        }
        for (String loopback : new String[] {"127.0.0.1", "127.1.2.3", "::1", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1",
                "0:0:0:0:0:ffff:127.0.0.53"}) {
            assertEquals(LOOPBACK, Addresses.kind(loopback), loopback);
        }
        for (String bad : new String[] {null, "", "localhost", "example.com", "1.2.3", "256.0.0.1", "01.2.3.4", "1:2:3",
                ":::", "1::2::3", ":1", "1:", "1:2:3:4:5:6:7:8:9", "12345::", "::1%eth0", "0.0.0.0 ", "a".repeat(50),
                "1:2:3:4:5:6:7::8:9", "::1.2.3", "1.2.3.4::"}) {
            assertNull(Addresses.kind(bad), String.valueOf(bad));
        }
    }
}
