// What a Spring Boot application does with the stack outputs' Redis SSL bundle, in the JVM's own TLS stack:
// SPRING_DATA_REDIS_SSL_BUNDLE names the bundle, SPRING_SSL_BUNDLE_PEM_<NAME>_TRUSTSTORE_CERTIFICATE is its trusted
// certificate (a file: location), SPRING_DATA_REDIS_HOST/_PORT/_PASSWORD the server. The handshake verifies the
// chain and the host name, then AUTH (user and password) and PING. With the argument "default" it uses the JVM's default trust store
// instead, as an application with only SPRING_DATA_REDIS_SSL_ENABLED=true would.
//   java RedisSslBundleCheck.java [default]
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

public class RedisSslBundleCheck {
    static String env(String name) {
        String v = System.getenv(name);
        if (v == null || v.isEmpty()) throw new IllegalStateException(name + " is not set");
        return v;
    }

    static SSLContext bundleContext() throws Exception {
        String bundle = env("SPRING_DATA_REDIS_SSL_BUNDLE");
        String location = env("SPRING_SSL_BUNDLE_PEM_" + bundle.toUpperCase() + "_TRUSTSTORE_CERTIFICATE");
        if (!location.startsWith("file:")) throw new IllegalStateException("not a file: location: " + location);
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        int n = 0;
        try (InputStream in = Files.newInputStream(Path.of(location.substring("file:".length())))) {
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trust.setCertificateEntry("ca" + n++, c);
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    public static void main(String[] args) throws Exception {
        SSLContext ctx = args.length > 0 && args[0].equals("default") ? SSLContext.getDefault() : bundleContext();
        String host = env("SPRING_DATA_REDIS_HOST");
        int port = Integer.parseInt(env("SPRING_DATA_REDIS_PORT"));
        String username = env("SPRING_DATA_REDIS_USERNAME");
        String password = env("SPRING_DATA_REDIS_PASSWORD");
        try (SSLSocket socket = (SSLSocket) ctx.getSocketFactory().createSocket(host, port)) {
            SSLParameters params = socket.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(params);
            socket.startHandshake();
            OutputStream out = socket.getOutputStream();
            String auth = "*3\r\n$4\r\nAUTH\r\n$" + username.length() + "\r\n" + username + "\r\n$" + password.length()
                + "\r\n" + password + "\r\n*1\r\n$4\r\nPING\r\n";
            out.write(auth.getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            System.out.println(in.readLine());
            System.out.println(in.readLine());
        }
    }
}
