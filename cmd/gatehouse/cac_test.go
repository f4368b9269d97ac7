package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCAC drives CAC authentication end to end over real TLS: a test CA
// issues the server's certificate and client certificates; a verified
// client certificate naming the account's e-mail makes a session
// CAC-authenticated, which creating a CUI dataset needs. Then the account
// flag set with `gatehouse users set-cac` must reach the running server
// within 1.5 s, both ways.
//
// It does not run in parallel with the other end-to-end test: it measures
// how soon a change from another process takes effect.
func TestCAC(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping end-to-end CAC test in -short mode: it builds the gatehouse binary and runs it as a child process")
	}
	const (
		email    = "cac.holder@example.mil"
		password = "correct horse battery staple"
	)
	h := newE2E(t)
	pki := newTestPKI(t, t.TempDir())

	// Client certificates, each written as PEM and loaded back.
	clientCerts := map[string]tls.Certificate{
		"san":            pki.client(t, "san", clientSpec{sanEmails: []string{email}}),
		"san upper case": pki.client(t, "san-upper", clientSpec{sanEmails: []string{strings.ToUpper(email)}}),
		"subject ia5":    pki.client(t, "subject-ia5", clientSpec{subjectEmail: email, subjectTag: asn1.TagIA5String}),
		"subject utf8":   pki.client(t, "subject-utf8", clientSpec{subjectEmail: email, subjectTag: asn1.TagUTF8String}),
		"other email":    pki.client(t, "other", clientSpec{sanEmails: []string{"someone.else@example.mil"}, subjectEmail: "someone.else@example.mil", subjectTag: asn1.TagIA5String}),
		"self-signed":    pki.client(t, "self-signed", clientSpec{sanEmails: []string{email}, subjectEmail: email, subjectTag: asn1.TagIA5String, selfSigned: true}),
		"expired":        pki.client(t, "expired", clientSpec{sanEmails: []string{email}, expired: true}),
		"server-only":    pki.client(t, "server-only", clientSpec{sanEmails: []string{email}, serverAuthOnly: true}),
	}

	// serve refuses inconsistent TLS flags before it listens. (Not
	// subtests: h reports through the parent test.)
	{
		dataDir := t.TempDir()
		tests := []struct {
			name     string
			args     []string
			wantCode int
			wantText string
		}{
			{"client-ca without tls-cert", []string{"--client-ca", pki.caFile}, 2, "client-ca"},
			{"client-ca and tls-key only", []string{"--client-ca", pki.caFile, "--tls-key", pki.serverKeyFile}, 2, "client-ca"},
			{"tls-cert without tls-key", []string{"--tls-cert", pki.serverCertFile, "--client-ca", pki.caFile}, 2, "tls-key"},
		}
		for _, tt := range tests {
			args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", dataDir}, tt.args...)
			out, code := h.cli(args...)
			if code != tt.wantCode {
				t.Errorf("%s: gatehouse %s: exit %d, want %d (usage error); output %s", tt.name, strings.Join(args, " "), code, tt.wantCode, out)
			}
			if !strings.Contains(out, tt.wantText) {
				t.Errorf("%s: gatehouse %s: output does not mention %q: %s", tt.name, strings.Join(args, " "), tt.wantText, out)
			}
		}
		// A client CA file without a certificate in it stops the server
		// too (a start-up error, not a usage error).
		notPEM := filepath.Join(t.TempDir(), "not-a-ca.pem")
		if err := os.WriteFile(notPEM, []byte("not a certificate\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		args := []string{"serve", "--addr", "127.0.0.1:0", "--data", dataDir, "--tls-cert", pki.serverCertFile, "--tls-key", pki.serverKeyFile, "--client-ca", notPEM}
		if out, code := h.cli(args...); code == 0 || code == -1 {
			t.Errorf("gatehouse serve with a client CA file holding no certificate: exit %d, want a start-up failure; output %s", code, out)
		}
	}
	if t.Failed() {
		return
	}

	dataDir := t.TempDir()
	srv := h.startServerFlags(dataDir, "--open-signup",
		"--tls-cert", pki.serverCertFile, "--tls-key", pki.serverKeyFile, "--client-ca", pki.caFile)
	base := "https://" + srv.addr

	noCert := &apiClient{t: t, base: base, http: pki.httpClient(nil)}
	noCert.waitHealthy()

	// Plain HTTP on the TLS port is not served.
	if resp, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + srv.addr + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Errorf("plain HTTP GET /healthz on the TLS port answered 200")
		}
	}

	status, body := noCert.do(http.MethodPost, "/signup", "", map[string]string{
		"email": email, "password": password, "confirm_password": password,
	})
	if status != http.StatusOK {
		t.Fatalf("POST /signup over TLS: status %d, want 200; body %s", status, body)
	}
	var signup struct {
		APIKey string `json:"api_key"`
	}
	mustUnmarshal(t, body, &signup)
	key := signup.APIKey
	if !apiKeyRE.MatchString(key) {
		t.Fatalf("POST /signup: api_key %q does not match %s", key, apiKeyRE)
	}
	h.secrets = append(h.secrets, key)

	// addDataset posts add-dataset with the key, over a connection that
	// presents cert (none when nil). A failed TLS handshake is returned as
	// err.
	addDataset := func(cert *tls.Certificate, name string) (int, []byte, error) {
		t.Helper()
		b, _ := json.Marshal(map[string]string{"dataset": name})
		req, err := http.NewRequest(http.MethodPost, base+"/user/add-dataset", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("x-access-tokens", key)
		resp, err := pki.httpClient(cert).Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		rb, err := io.ReadAll(resp.Body)
		return resp.StatusCode, rb, err
	}
	wantStatus := func(what string, cert *tls.Certificate, name string, want int) {
		t.Helper()
		status, body, err := addDataset(cert, name)
		if err != nil {
			t.Errorf("%s: add-dataset %s: %v, want status %d", what, name, err, want)
			return
		}
		if status != want {
			t.Errorf("%s: add-dataset %s: status %d, want %d; body %s", what, name, status, want, body)
			return
		}
		assertEnvelopeStatus(t, what+": add-dataset "+name, body, want)
	}
	cert := func(name string) *tls.Certificate {
		c := clientCerts[name]
		return &c
	}
	created := []string{"Plain-data"}

	// An unclassified dataset needs no CAC; a CUI one does.
	wantStatus("no client certificate", nil, "Plain-data", http.StatusOK)
	wantStatus("no client certificate", nil, "CUI-alpha", 407)

	// Verified certificates naming the account's e-mail.
	for _, tt := range []struct{ cert, dataset string }{
		{"san", "CUI-alpha"},
		{"san upper case", "CUI-alpha-upper"},
		{"subject ia5", "CUI-beta"},
		{"subject utf8", "CUI-beta-utf8"},
	} {
		wantStatus(tt.cert+" certificate", cert(tt.cert), tt.dataset, http.StatusOK)
		created = append(created, tt.dataset)
	}
	// A CAC session is per request: the key alone, right after, is not
	// CAC (no cached principal kept the certificate's mark).
	wantStatus("no client certificate after a CAC request", nil, "CUI-after-san", 407)

	// A verified certificate for someone else.
	wantStatus("other e-mail certificate", cert("other email"), "CUI-gamma", 407)

	// Certificates the server must not trust: the handshake fails, or the
	// request is at least not CAC-authenticated.
	for _, tt := range []struct{ cert, dataset string }{
		{"self-signed", "CUI-delta"},
		{"expired", "CUI-delta-expired"},
		{"server-only", "CUI-delta-eku"},
	} {
		status, body, err := addDataset(cert(tt.cert), tt.dataset)
		switch {
		case err != nil:
			t.Logf("%s certificate: request failed as it may: %v", tt.cert, err)
		case status == http.StatusOK:
			t.Errorf("%s certificate: add-dataset %s: status 200, want a failed handshake or 407; body %s", tt.cert, tt.dataset, body)
		case status != 407:
			t.Errorf("%s certificate: add-dataset %s: status %d, want a failed handshake or 407; body %s", tt.cert, tt.dataset, status, body)
		}
	}

	// The account flag, set by another process while the server runs.
	setCAC := func(on string) time.Time {
		t.Helper()
		if out, code := h.cli("users", "set-cac", email, on, "--data", dataDir); code != 0 {
			t.Fatalf("gatehouse users set-cac %s: exit %d, want 0; output %s", on, code, out)
		}
		return time.Now()
	}
	// await posts add-dataset without a client certificate, a new name each
	// try, until the status is want or 1.5 s have passed.
	await := func(what string, want int, names func(i int) string) {
		t.Helper()
		start := time.Now()
		deadline := start.Add(1500 * time.Millisecond)
		var last int
		var lastBody []byte
		for i := 0; ; i++ {
			name := names(i)
			status, body, err := addDataset(nil, name)
			if err != nil {
				t.Fatalf("%s: add-dataset %s: %v", what, name, err)
			}
			if status == http.StatusOK {
				created = append(created, name)
			}
			if status == want {
				assertEnvelopeStatus(t, what, body, want)
				t.Logf("%s: status %d after %v", what, want, time.Since(start).Round(time.Millisecond))
				return
			}
			if status != http.StatusOK && status != 407 {
				t.Fatalf("%s: add-dataset %s: status %d, want 200 or 407; body %s", what, name, status, body)
			}
			last, lastBody = status, body
			if time.Now().After(deadline) {
				t.Errorf("%s: still status %d 1.5 s after `gatehouse users set-cac`, want %d; body %s", what, last, want, lastBody)
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	setCAC("on")
	await("set-cac on", http.StatusOK, func(int) string { return "CUI-epsilon" })
	setCAC("off")
	await("set-cac off", 407, func(i int) string { return fmt.Sprintf("CUI-zeta-%d", i) })
	// Turning the flag off does not stop certificate-based CAC.
	wantStatus("san certificate after set-cac off", cert("san"), "CUI-eta", http.StatusOK)
	created = append(created, "CUI-eta")
	wantStatus("no client certificate after set-cac off", nil, "CUI-theta", 407)

	// Exactly the datasets that were acknowledged exist, CUI ones marked so.
	status, body = noCert.do(http.MethodPost, "/user/get-datasets-with-permissions", key, map[string]any{})
	if status != http.StatusOK {
		t.Fatalf("get-datasets-with-permissions: status %d; body %s", status, body)
	}
	var list struct {
		Response []struct {
			Dataset        string `json:"dataset"`
			Classification string `json:"classification"`
		} `json:"response"`
	}
	mustUnmarshal(t, body, &list)
	got := map[string]string{}
	for _, d := range list.Response {
		got[d.Dataset] = d.Classification
	}
	for _, name := range created {
		var full string
		for f := range got {
			if strings.HasSuffix(f, "_"+name+"_content") {
				full = f
			}
		}
		wantClass := "Unclassified"
		if strings.HasPrefix(name, "CUI-") {
			wantClass = "CUI"
		}
		if full == "" {
			t.Errorf("dataset %s acknowledged with 200 but not listed; list %s", name, body)
		} else if got[full] != wantClass {
			t.Errorf("dataset %s classification %q, want %q", name, got[full], wantClass)
		}
	}
	if len(got) != len(created) {
		t.Errorf("listed %d datasets, want the %d acknowledged (%v); list %s", len(got), len(created), created, body)
	}

	srv.stop()
	h.assertNoSecretsLogged()
}

// testPKI is a throwaway CA with a server certificate for 127.0.0.1, all as
// PEM files in dir.
type testPKI struct {
	dir                           string
	caCert                        *x509.Certificate
	caKey                         *ecdsa.PrivateKey
	caPool                        *x509.CertPool
	caFile                        string
	serverCertFile, serverKeyFile string
	serial                        int64
}

func newTestPKI(t *testing.T, dir string) *testPKI {
	t.Helper()
	p := &testPKI{dir: dir, serial: 1}
	key := newECKey(t)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(p.serial),
		Subject:               pkix.Name{CommonName: "gatehouse test CA", Organization: []string{"gatehouse tests"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("create CA: %v", err)
	}
	if p.caCert, err = x509.ParseCertificate(der); err != nil {
		t.Fatal(err)
	}
	p.caKey = key
	p.caPool = x509.NewCertPool()
	p.caPool.AddCert(p.caCert)
	p.caFile = writePEM(t, dir, "ca.pem", "CERTIFICATE", der)

	skey := newECKey(t)
	p.serial++
	stmpl := &x509.Certificate{
		SerialNumber: big.NewInt(p.serial),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	sder, err := x509.CreateCertificate(rand.Reader, stmpl, p.caCert, &skey.PublicKey, p.caKey)
	if err != nil {
		t.Fatalf("create server certificate: %v", err)
	}
	p.serverCertFile = writePEM(t, dir, "server.pem", "CERTIFICATE", sder)
	p.serverKeyFile = writePEM(t, dir, "server-key.pem", "EC PRIVATE KEY", marshalECKey(t, skey))
	return p
}

// clientSpec describes a client certificate.
type clientSpec struct {
	sanEmails      []string
	subjectEmail   string // PKCS #9 emailAddress in the subject, if set
	subjectTag     int    // its ASN.1 string type (IA5String on CAC/PIV cards)
	selfSigned     bool   // signed by its own key, not the CA
	expired        bool
	serverAuthOnly bool // no clientAuth extended key usage
}

var oidPKCS9Email = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}

// client issues a client certificate, writes it and its key as PEM files
// named after name, and loads them back as a tls.Certificate.
func (p *testPKI) client(t *testing.T, name string, spec clientSpec) tls.Certificate {
	t.Helper()
	key := newECKey(t)
	p.serial++
	subject := pkix.Name{CommonName: "test client " + name, Organization: []string{"gatehouse tests"}}
	if spec.subjectEmail != "" {
		raw, err := asn1.Marshal(asn1.RawValue{Tag: spec.subjectTag, Bytes: []byte(spec.subjectEmail)})
		if err != nil {
			t.Fatal(err)
		}
		subject.ExtraNames = append(subject.ExtraNames, pkix.AttributeTypeAndValue{Type: oidPKCS9Email, Value: asn1.RawValue{FullBytes: raw}})
	}
	notBefore, notAfter := time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour)
	if spec.expired {
		notBefore, notAfter = time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour)
	}
	eku := []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	if spec.serverAuthOnly {
		eku = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	tmpl := &x509.Certificate{
		SerialNumber:   big.NewInt(p.serial),
		Subject:        subject,
		EmailAddresses: spec.sanEmails,
		NotBefore:      notBefore,
		NotAfter:       notAfter,
		KeyUsage:       x509.KeyUsageDigitalSignature,
		ExtKeyUsage:    eku,
	}
	parent, signer := p.caCert, p.caKey
	if spec.selfSigned {
		parent, signer = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		t.Fatalf("create client certificate %s: %v", name, err)
	}
	// The certificate says what the spec asked for.
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	if spec.subjectEmail != "" {
		found := false
		for _, n := range c.Subject.Names {
			if n.Type.Equal(oidPKCS9Email) && n.Value == spec.subjectEmail {
				found = true
			}
		}
		if !found {
			t.Fatalf("client certificate %s: subject %v lacks emailAddress %s", name, c.Subject.Names, spec.subjectEmail)
		}
	}
	certFile := writePEM(t, p.dir, "client-"+name+".pem", "CERTIFICATE", der)
	keyFile := writePEM(t, p.dir, "client-"+name+"-key.pem", "EC PRIVATE KEY", marshalECKey(t, key))
	tc, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatalf("load client certificate %s: %v", name, err)
	}
	return tc
}

// httpClient returns a client that trusts the test CA and presents cert,
// when not nil, whatever CAs the server says it accepts (so that an
// untrusted certificate reaches the server's verification instead of being
// withheld by the client).
func (p *testPKI) httpClient(cert *tls.Certificate) *http.Client {
	cfg := &tls.Config{RootCAs: p.caPool, MinVersion: tls.VersionTLS12}
	if cert != nil {
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cert, nil }
	}
	return &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{TLSClientConfig: cfg, DisableKeepAlives: true},
	}
}

func newECKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func marshalECKey(t *testing.T, k *ecdsa.PrivateKey) []byte {
	t.Helper()
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func writePEM(t *testing.T, dir, name, typ string, der []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
