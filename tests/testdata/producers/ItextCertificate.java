// A deposit certificate laid out and signed the way many Chinese platforms do it: iText 5
// writes the page (Noto Sans CJK SC, Identity-H, subset), then signs it with an external
// signature container whose CMS BouncyCastle makes with SM3withSM2. Nothing here is the
// harness's code; tests/testdata/producers/make.sh runs it and the PDFs it writes are test data.
//
// usage: java ItextCertificate OUT.pdf KEY.pem CERT.pem EVIDENCE_ID FILE_HASH TX_ID PRINTED_TIME [INPUT.pdf]
// With INPUT.pdf the page is not laid out: that PDF (another producer's) is signed as it is.

import com.itextpdf.text.*;
import com.itextpdf.text.pdf.*;
import com.itextpdf.text.pdf.security.*;
import java.io.*;
import java.nio.file.*;
import java.security.*;
import java.security.cert.X509Certificate;
import java.util.*;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.*;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.*;

public class ItextCertificate {
    static final String FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc,2";

    public static void main(String[] a) throws Exception {
        Security.addProvider(new BouncyCastleProvider());
        byte[] page = a.length > 7 ? Files.readAllBytes(Paths.get(a[7])) : layout(a[3], a[4], a[5], a[6]);
        PrivateKey key;
        try (PEMParser p = new PEMParser(new FileReader(a[1]))) {
            key = new JcaPEMKeyConverter().setProvider("BC").getPrivateKey((PrivateKeyInfo) p.readObject());
        }
        X509Certificate cert;
        try (InputStream in = new FileInputStream(a[2])) {
            cert = (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509", "BC").generateCertificate(in);
        }
        PdfReader reader = new PdfReader(page);
        try (OutputStream out = new FileOutputStream(a[0])) {
            // An incremental update: the laid-out bytes stay as they are.
            PdfStamper stamper = PdfStamper.createSignature(reader, out, '\0', null, true);
            PdfSignatureAppearance look = stamper.getSignatureAppearance();
            look.setReason("电子数据存证证书签章");
            look.setLocation("北京");
            look.setVisibleSignature(new Rectangle(420, 24, 570, 64), 1, "platform-seal");
            MakeSignature.signExternalContainer(look, new Sm2Container(key, cert), 8192);
        }
    }

    static byte[] layout(String id, String hash, String tx, String time) throws Exception {
        ByteArrayOutputStream pdf = new ByteArrayOutputStream();
        Document doc = new Document(new Rectangle(595, 453), 45, 45, 45, 45);
        PdfWriter.getInstance(doc, pdf);
        doc.open();
        BaseFont cjk = BaseFont.createFont(FONT, BaseFont.IDENTITY_H, BaseFont.EMBEDDED);
        Paragraph title = new Paragraph("电子数据存证证书", new Font(cjk, 16, Font.BOLD));
        title.setAlignment(Element.ALIGN_CENTER);
        title.setSpacingAfter(14);
        doc.add(title);
        Font body = new Font(cjk, 9);
        PdfPTable table = new PdfPTable(new float[] {1, 3});
        table.setWidthPercentage(100);
        String[][] rows = {
            {"存证编号", id}, {"文件摘要（SM3）", hash}, {"交易哈希", tx}, {"上链时间", time},
        };
        for (String[] row : rows) {
            table.addCell(new Phrase(row[0], body));
            table.addCell(new Phrase(row[1], body));
        }
        doc.add(table);
        doc.add(new Paragraph("本证书由存证平台出具，经数字签名保护。", body));
        doc.close();
        return pdf.toByteArray();
    }

    /** Detached CMS SignedData over the byte ranges, SM3withSM2, by BouncyCastle. */
    static class Sm2Container implements ExternalSignatureContainer {
        final PrivateKey key;
        final X509Certificate cert;

        Sm2Container(PrivateKey key, X509Certificate cert) {
            this.key = key;
            this.cert = cert;
        }

        public byte[] sign(InputStream covered) throws GeneralSecurityException {
            try {
                ContentSigner signer = new JcaContentSignerBuilder("SM3withSM2").setProvider("BC").build(key);
                CMSSignedDataGenerator cms = new CMSSignedDataGenerator();
                cms.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(
                        new JcaDigestCalculatorProviderBuilder().setProvider("BC").build()).build(signer, cert));
                cms.addCertificates(new JcaCertStore(Collections.singletonList(cert)));
                // Not readAllBytes: iText 5's range stream ends it after the first 8 KiB.
                byte[] bytes = com.itextpdf.text.io.StreamUtil.inputStreamToArray(covered);
                return cms.generate(new CMSProcessableByteArray(bytes), false).getEncoded();
            } catch (Exception e) {
                throw new GeneralSecurityException(e);
            }
        }

        public void modifySigningDictionary(PdfDictionary signature) {
            signature.put(PdfName.FILTER, PdfName.ADOBE_PPKLITE);
            signature.put(PdfName.SUBFILTER, PdfName.ADBE_PKCS7_DETACHED);
        }
    }
}
