package harness

import (
	"strings"
	"testing"
	"time"
)

func TestParseTargetURL(t *testing.T) {
	tests := []struct {
		in         string
		host       string
		port       int
		user, pass string
		addr       string
	}{
		{"ftp://conform:secret@127.0.0.1:2121", "127.0.0.1", 2121, "conform", "secret", "127.0.0.1:2121"},
		{"ftp://conform:secret@127.0.0.1", "127.0.0.1", 21, "conform", "secret", "127.0.0.1:21"},
		{"ftp://conform:secret@127.0.0.1:", "127.0.0.1", 21, "conform", "secret", "127.0.0.1:21"},
		{"ftp://conform:secret@127.0.0.1/", "127.0.0.1", 21, "conform", "secret", "127.0.0.1:21"},
		{"ftp://conform@ftp.example.org:2121", "ftp.example.org", 2121, "conform", "", "ftp.example.org:2121"},
		{"ftp://conform:secret@[::1]:2121", "::1", 2121, "conform", "secret", "[::1]:2121"},
		{"ftp://conform:secret@[::1]", "::1", 21, "conform", "secret", "[::1]:21"},
		{"FTP://conform:secret@localhost:2121", "localhost", 2121, "conform", "secret", "localhost:2121"},
		{"ftp://conform:p%40ss%3Aword@127.0.0.1:2121", "127.0.0.1", 2121, "conform", "p@ss:word", "127.0.0.1:2121"},
		{"ftp://conform:p@ss@127.0.0.1:2121", "127.0.0.1", 2121, "conform", "p@ss", "127.0.0.1:2121"},
		{"ftp://anonymous:@127.0.0.1:2121", "127.0.0.1", 2121, "anonymous", "", "127.0.0.1:2121"},
		{"ftp://conform:secret@127.0.0.1:65535", "127.0.0.1", 65535, "conform", "secret", "127.0.0.1:65535"},
	}
	for _, tc := range tests {
		got, err := ParseTargetURL(tc.in)
		if err != nil {
			t.Errorf("ParseTargetURL(%q): %v", tc.in, err)
			continue
		}
		if got.Host != tc.host || got.Port != tc.port || got.User != tc.user || got.Password != tc.pass {
			t.Errorf("ParseTargetURL(%q) = %+v", tc.in, got)
		}
		if got.Addr() != tc.addr {
			t.Errorf("Addr() = %q, want %q", got.Addr(), tc.addr)
		}
		if tc.pass != "" && strings.Contains(got.String(), tc.pass) {
			t.Errorf("String() %q shows the password", got.String())
		}
	}
}

func TestParseTargetURLErrors(t *testing.T) {
	const pw = "Sup3rS3cret"
	tests := []struct {
		in, want string
	}{
		{"ftpes://conform:" + pw + "@127.0.0.1:2121", `scheme "ftpes" not supported`},
		{"ftps://conform:" + pw + "@127.0.0.1:0", `bad port "0"`},
		{"ftps://127.0.0.1", "no user"},
		{"http://conform:" + pw + "@127.0.0.1", `scheme "http" not supported`},
		{"conform:" + pw + "@127.0.0.1:2121", "not supported"},
		{"127.0.0.1:2121", "not a valid URL"},
		{"", `scheme "" not supported`},
		{"ftp://127.0.0.1:2121", "no user"},
		{"ftp://:" + pw + "@127.0.0.1:2121", "no user"},
		{"ftp://conform:" + pw + "@:2121", "no host"},
		{"ftp://conform:" + pw + "@127.0.0.1:0", `bad port "0"`},
		{"ftp://conform:" + pw + "@127.0.0.1:65536", `bad port "65536"`},
		{"ftp://conform:" + pw + "@127.0.0.1:99999999999999999999", "bad port"},
		{"ftp://conform:" + pw + "@127.0.0.1:21x", "not a valid URL"},
		{"ftp://conform:" + pw + "@127.0.0.1:2121/pub", "a path is not supported"},
		{"ftp://conform:" + pw + " x@127.0.0.1:2121", "not a valid URL"},
		{"ftp://conform:" + pw + "@127.0.0.1 :2121", "not a valid URL"},
		{"ftp://conform:" + pw + "@[::1:2121", "not a valid URL"},
		{"ftp://conform:" + pw + "%zz@127.0.0.1", "not a valid URL"},
		{"ftp://conform:" + pw + "@127.0.0.1:2121\x00", "not a valid URL"},
	}
	for _, tc := range tests {
		got, err := ParseTargetURL(tc.in)
		if err == nil {
			t.Errorf("ParseTargetURL(%q) = %+v, want an error", tc.in, got)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseTargetURL(%q) error %q, want it to mention %q", tc.in, err, tc.want)
		}
		if strings.Contains(err.Error(), pw) || strings.Contains(err.Error(), "S3cret") {
			t.Errorf("ParseTargetURL(%q) error %q shows the password", tc.in, err)
		}
	}
}

func TestTargetString(t *testing.T) {
	tg := Target{Host: "::1", Port: 2121, User: "conform", Password: "secret"}
	if g, want := tg.String(), "ftp://conform@[::1]:2121"; g != want {
		t.Errorf("String() = %q, want %q", g, want)
	}
	tg = Target{Host: "127.0.0.1", Port: 21}
	if g, want := tg.String(), "ftp://127.0.0.1:21"; g != want {
		t.Errorf("String() = %q, want %q", g, want)
	}
}

func TestTargetWithDefaults(t *testing.T) {
	d := Target{Host: "127.0.0.1"}.WithDefaults()
	if d.Port != 21 || d.ReplyTimeout != 10*time.Second || d.ConnectTimeout != 5*time.Second ||
		d.DataTimeout != 15*time.Second || d.CloseGrace != time.Second {
		t.Errorf("defaults: %+v", d)
	}
	set := Target{Host: "h", Port: 2121, ReplyTimeout: time.Second, ConnectTimeout: 2 * time.Second,
		DataTimeout: 3 * time.Second, CloseGrace: 4 * time.Second}
	if got := set.WithDefaults(); got != set {
		t.Errorf("WithDefaults changed set values: %+v", got)
	}
}

func TestParsePortRange(t *testing.T) {
	tests := []struct {
		in      string
		want    PortRange
		wantErr bool
	}{
		{"30000-30099", PortRange{30000, 30099}, false},
		{"30000", PortRange{30000, 30000}, false},
		{" 30000 - 30099 ", PortRange{30000, 30099}, false},
		{"1-65535", PortRange{1, 65535}, false},
		{"5-5", PortRange{5, 5}, false},
		{"", PortRange{}, true},
		{"-", PortRange{}, true},
		{"30000-", PortRange{}, true},
		{"-30099", PortRange{}, true},
		{"0-10", PortRange{}, true},
		{"1-65536", PortRange{}, true},
		{"30099-30000", PortRange{}, true},
		{"a-b", PortRange{}, true},
		{"30000-30099-30100", PortRange{}, true},
		{"30000:30099", PortRange{}, true},
	}
	for _, tc := range tests {
		got, err := ParsePortRange(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("ParsePortRange(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestPortRangeMethods(t *testing.T) {
	r := PortRange{30000, 30099}
	if r.Size() != 100 || !r.Contains(30000) || !r.Contains(30099) || r.Contains(29999) || r.Contains(30100) {
		t.Errorf("range %v: size %d", r, r.Size())
	}
	if r.String() != "30000-30099" || r.IsZero() || !(PortRange{}).IsZero() {
		t.Errorf("String/IsZero wrong for %v", r)
	}
}

func TestImplicitDefaultPort(t *testing.T) {
	tg, err := ParseTargetURL("ftps://conform:pw@ftp.example.org")
	if err != nil {
		t.Fatal(err)
	}
	if tg.TLS != TLSImplicit || tg.Port != 990 || tg.String() != "ftps://conform@ftp.example.org:990" {
		t.Errorf("ftps target = %+v (%s)", tg, tg)
	}
	tg, err = ParseTargetURL("FTPS://conform:pw@[::1]:2990/")
	if err != nil || tg.TLS != TLSImplicit || tg.Port != 2990 || tg.Host != "::1" || tg.Password != "pw" {
		t.Errorf("ftps target with a port = %+v, %v", tg, err)
	}
	tg, err = ParseTargetURL("ftp://conform:pw@ftp.example.org")
	if err != nil || tg.TLS != TLSOff || tg.Port != 21 {
		t.Errorf("ftp target = %+v, %v", tg, err)
	}
	if s := (Target{Host: "h", Port: 21, TLS: TLSExplicit}).String(); s != "ftp://h:21" {
		t.Errorf("explicit target String() = %q", s)
	}
	if d := (Target{Host: "h", TLS: TLSImplicit}).WithDefaults(); d.Port != 990 {
		t.Errorf("implicit default port %d", d.Port)
	}
	if d := (Target{Host: "h", TLS: TLSExplicit}).WithDefaults(); d.Port != 21 {
		t.Errorf("explicit default port %d", d.Port)
	}
}

// TestTLSModeNames: ParseTLSMode and String agree.
func TestTLSModeNames(t *testing.T) {
	for _, m := range []TLSMode{TLSOff, TLSExplicit, TLSImplicit} {
		got, err := ParseTLSMode(" " + strings.ToUpper(m.String()))
		if err != nil || got != m {
			t.Errorf("ParseTLSMode(%q) = %v, %v", m, got, err)
		}
	}
	if _, err := ParseTLSMode("starttls"); err == nil {
		t.Error("ParseTLSMode(starttls): no error")
	}
	if s := TLSMode(7).String(); s != "TLSMode(7)" {
		t.Errorf("String() = %q", s)
	}
}
