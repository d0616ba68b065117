package io.tensorbox.cli;

import java.security.SecureRandom;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * For a plain {@code http://} API URL: a default {@link SSLContext} that costs nothing to make.
 * {@code java.net.http.HttpClient} asks for {@code SSLContext.getDefault()} when it is built, even
 * for http, and the JDK's default context loads the JSSE provider and parses every CA certificate
 * of cacerts: 0.1-0.3 s of every CLI call here, for TLS that an http URL never uses. Any attempt
 * at TLS with this context fails with a message saying why.
 */
final class PlainHttp {
    private static boolean installed;

    private PlainHttp() {
    }

    /** Installs the no-TLS default context if {@code apiUrl} is http (once; nothing for https). */
    static synchronized void installFor(String apiUrl) {
        if (installed || !apiUrl.regionMatches(true, 0, "http://", 0, 7)) {
            return;
        }
        SSLContext.setDefault(new SSLContext(new NoTls(), null, "none") {
        });
        installed = true;
    }

    private static final class NoTls extends SSLContextSpi {
        private static UnsupportedOperationException refused() {
            return new UnsupportedOperationException("TLS is off: the API URL is http:// (set TENSORBOX_API_URL to the https:// URL)");
        }

        @Override
        protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random) {
            // nothing to set up
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            throw refused();
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            throw refused();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            throw refused();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            throw refused();
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            throw refused();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            throw refused();
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            return new SSLParameters();
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            return new SSLParameters();
        }
    }
}
