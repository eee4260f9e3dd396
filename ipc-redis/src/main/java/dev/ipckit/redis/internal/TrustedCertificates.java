package dev.ipckit.redis.internal;

import dev.ipckit.InvalidChannelUriException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/** An SSLSocketFactory that trusts only the CA certificates of one PEM file ({@code ?tlsCa=}; not API). */
public final class TrustedCertificates {
  private TrustedCertificates() {}

  public static SSLSocketFactory socketFactory(Path pem, String uri) throws InvalidChannelUriException {
    try (InputStream in = Files.newInputStream(pem)) {
      Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certs.isEmpty()) {
        throw new InvalidChannelUriException(uri, "tlsCa=" + pem + " holds no PEM certificate");
      }
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (Certificate c : certs) {
        store.setCertificateEntry("ca" + i++, c);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(store);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx.getSocketFactory();
    } catch (IOException | GeneralSecurityException e) {
      throw new InvalidChannelUriException(uri, "tlsCa=" + pem + " cannot be read as PEM CA certificates: " + e);
    }
  }
}
