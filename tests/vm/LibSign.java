// SPDX-License-Identifier: GPL-2.0
/*
 * LibSign: a Java application's view of libcryptoki through the JDK's
 * SunPKCS11 provider.  It opens the token as a KeyStore with the USER PIN,
 * signs with the EC private key ALIAS (SHA256withECDSA, on the card), and
 * verifies the signature with the JDK's own provider against the
 * certificate stored beside the key.  Exits 0 when the signature verifies,
 * 1 with a message saying what was expected and what was got otherwise.
 *
 *   java LibSign CONFIG PIN ALIAS
 */
import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Security;
import java.security.Signature;
import java.security.cert.Certificate;

public class LibSign {
	private static void fail(String what) {
		System.err.println("LibSign: expected " + what);
		System.exit(1);
	}

	public static void main(String[] args) throws Exception {
		if (args.length != 3) {
			System.err.println("usage: java LibSign CONFIG PIN ALIAS");
			System.exit(2);
		}
		Provider p = Security.getProvider("SunPKCS11").configure(args[0]);
		Security.addProvider(p);

		KeyStore ks = KeyStore.getInstance("PKCS11", p);
		ks.load(null, args[1].toCharArray());
		Key key = ks.getKey(args[2], null);
		if (!(key instanceof PrivateKey))
			fail("a private key named '" + args[2] + "' on the token, got " + key);
		Certificate cert = ks.getCertificate(args[2]);
		if (cert == null)
			fail("a certificate named '" + args[2] + "' on the token, got none");

		byte[] data = "signed by the card through SunPKCS11"
			.getBytes(StandardCharsets.UTF_8);
		Signature s = Signature.getInstance("SHA256withECDSA", p);
		s.initSign((PrivateKey)key);
		s.update(data);
		byte[] sig = s.sign();

		/* Not the token's provider: the JDK's own code. */
		Signature v = Signature.getInstance("SHA256withECDSA", "SunEC");
		v.initVerify(cert.getPublicKey());
		v.update(data);
		if (!v.verify(sig))
			fail("SunEC to verify the token's signature with the certificate's key, it did not");

		/* A changed message must not verify. */
		v.initVerify(cert.getPublicKey());
		v.update("something else".getBytes(StandardCharsets.UTF_8));
		if (v.verify(sig))
			fail("the signature not to verify over other data, it did");
		System.out.println("LibSign: SHA256withECDSA by " + p.getName() +
				   " verified by SunEC (" + sig.length + "-byte DER signature)");
	}
}
