package harness

import (
	"strings"
	"testing"
)

func TestMaskSecret(t *testing.T) {
	tests := []struct {
		name, text, secret, want string
	}{
		{"alone", "conform", "conform", "****"},
		{"url userinfo", "ftp://user:conform@host:21", "conform", "ftp://user:****@host:21"},
		{"quoted", `password "conform" rejected`, "conform", `password "****" rejected`},
		{"single quotes", "'conform'", "conform", "'****'"},
		{"sentence end", "the password is conform.", "conform", "the password is ****."},
		{"key=value", "pass=conform&x=1", "conform", "pass=****&x=1"},
		{"path", "/home/conform/x", "conform", "/home/****/x"},
		{"parenthesised", "(conform)", "conform", "(****)"},
		{"line ends", "a\nconform\r\nb", "conform", "a\n****\r\nb"},
		{"inside a directory name", "MKD ftpconform-1a2b", "conform", "MKD ftpconform-1a2b"},
		{"prefix of a word", "conforming servers", "conform", "conforming servers"},
		{"followed by a dash", "conform-1a2b", "conform", "conform-1a2b"},
		{"after an underscore", "x_conform", "conform", "x_conform"},
		{"followed by a digit", "conform2", "conform", "conform2"},
		{"non-ASCII letter", "conformé", "conform", "conformé"},
		{"twice", "conform conform", "conform", "**** ****"},
		{"adjacent word and token", "conformconform conform", "conform", "conformconform ****"},
		{"half a character", "éé", "\xc3", "éé"},
		{"whole characters", "é é", "é", "**** ****"},
		{"secret with punctuation edges", "x!p@ss!y", "!p@ss!", "x****y"},
		{"punctuation edge, word edge", "a/p@ss", "p@ss", "a/****"},
		{"path-escaped", "ftp://u:s3cr3t%2Fp%40ss@h", "s3cr3t/p@ss", "ftp://u:****@h"},
		{"query-escaped", "pw=a+b%21", "a b!", "pw=****"},
		{"empty secret", "anything PASS", "", "anything PASS"},
		{"no occurrence", "220 ready", "conform", "220 ready"},
		{"transcript PASS", "+0.002s c1 > PASS hunter2", "conform", "+0.002s c1 > PASS ****"},
		{"transcript pass, lower case", "+0.002s c1 > pass hunter2\n", "", "+0.002s c1 > pass ****\n"},
		{"sent marker only", "> PASS two words", "", "> PASS ****"},
		{"bare command line", "PASS hunter2", "", "PASS ****"},
		{"bare ACCT", "ACCT money", "", "ACCT ****"},
		{"prose starting with PASS", "PASS with a wrong password: expected 530", "", "PASS with a wrong password: expected 530"},
		{"already masked", "PASS ****: expected one of 230, 202; got 530", "", "PASS ****: expected one of 230, 202; got 530"},
		{"received PASS text", "+0.002s c1 < 530 PASS hunter2", "", "+0.002s c1 < 530 PASS hunter2"},
		{"PASS in a title", "answers 503 to PASS without USER", "", "answers 503 to PASS without USER"},
		{"PASS without argument", "+0.1s c1 > PASS", "", "+0.1s c1 > PASS"},
		{"PASSX", "+0.1s c1 > PASSX y", "", "+0.1s c1 > PASSX y"},
		{"PASS and secret", "+0.1s c1 > PASS conform\n+0.2s c1 < 230 hi conform", "conform", "+0.1s c1 > PASS ****\n+0.2s c1 < 230 hi ****"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := MaskSecret(tc.text, tc.secret); got != tc.want {
				t.Errorf("MaskSecret(%q, %q) = %q, want %q", tc.text, tc.secret, got, tc.want)
			}
		})
	}
}

func TestMaskSecretsLongestFirst(t *testing.T) {
	if got, want := MaskSecrets("abcdef and abc", "abc", "abcdef"), "**** and ****"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := MaskSecrets("hunter2-long; hunter", "hunter", "hunter2-long"), "****; ****"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestTranscriptWholeTokens: the transcript applies the same rule.
func TestTranscriptWholeTokens(t *testing.T) {
	tr := NewTranscript()
	tr.AddSecret("conform")
	tr.AddSecret("conform") // registered twice: no effect
	tr.Add("c1", Sent, "MKD ftpconform-1a2b\r\n")
	tr.Add("c1", Received, `257 "/ftpconform-1a2b" created by conform.`)
	tr.Notef("c1", "target ftp://conform:conform@127.0.0.1")
	want := []string{"MKD ftpconform-1a2b", `257 "/ftpconform-1a2b" created by ****.`, "target ftp://****:****@127.0.0.1"}
	for i, e := range tr.Entries() {
		if e.Text != want[i] {
			t.Errorf("entry %d = %q, want %q", i, e.Text, want[i])
		}
	}
}

// wholeTokenAt lists the positions where secret stands as a whole token in
// s, by the rule MaskSecrets documents, checked independently of
// maskTokens.
func wholeTokenAt(s, secret string) []int {
	var at []int
	for i := 0; secret != "" && i+len(secret) <= len(s); i++ {
		if s[i:i+len(secret)] == secret && wholeToken(s, i, i+len(secret)) {
			at = append(at, i)
		}
	}
	return at
}

func FuzzMaskSecret(f *testing.F) {
	for _, seed := range [][2]string{
		{"ftp://user:conform@host", "conform"},
		{"MKD ftpconform-1a2b", "conform"},
		{`"conform" conform. conforming`, "conform"},
		{"+0.001s c1 > PASS hunter2\n< 230", "hunter2"},
		{"s3cr3t%2Fp%40ss s3cr3t/p@ss", "s3cr3t/p@ss"},
		{"a+b%21 a b!", "a b!"},
		{"é conformé", "é"},
		{"éé0", "\xc3"},
		{"****", "**"},
		{"\xff\xfe conform \xff", "\xff"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, text, secret string) {
		out := MaskSecret(text, secret)
		if secret == "" {
			return
		}
		// The secret never survives as a whole token. (A secret with an
		// asterisk can be spelled anew by the mask and its neighbours:
		// "*a*" in "*a*a*" becomes "****a*".)
		if !strings.Contains(secret, "*") {
			if at := wholeTokenAt(out, secret); len(at) > 0 {
				t.Errorf("MaskSecret(%q, %q) = %q: the secret still stands at %v", text, secret, out, at)
			}
		}
		// Never longer than needed: a masked command argument was at least
		// one byte, and each masked token at least as long as the shortest
		// form of the secret.
		base := maskCommandLines(text)
		if limit := len(text) + (strings.Count(text, "\n")+1)*(len(Mask)-1); len(base) > limit {
			t.Errorf("maskCommandLines(%q) = %q: %d bytes, more than %d", text, base, len(base), limit)
		}
		forms := secretForms([]string{secret})
		shortest := len(forms[len(forms)-1])
		tokens, n := maskTokens(base, forms)
		if tokens != out {
			t.Errorf("MaskSecret(%q, %q) = %q, not the command lines' masking followed by the tokens' (%q)", text, secret, out, tokens)
		}
		if limit := len(base) + n*max(0, len(Mask)-shortest); len(out) > limit {
			t.Errorf("MaskSecret(%q, %q) = %q: %d bytes, more than %d", text, secret, out, len(out), limit)
		}
		// Without the secret, its escaped forms and a secret-carrying
		// command, the text is unchanged.
		if maskCommandLines(text) == text {
			present := false
			for _, f := range forms {
				present = present || strings.Contains(text, f)
			}
			if !present && out != text {
				t.Errorf("MaskSecret(%q, %q) = %q, changed a text without the secret", text, secret, out)
			}
		}
	})
}
