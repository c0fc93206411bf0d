package reports

import (
	"net/url"
	"slices"

	"github.com/ftpconform/ftpconform/harness"
)

// Mask replaces a secret in every report.
const Mask = harness.Mask

// Redact masks secrets in every string of the run (messages, transcripts,
// warnings, info, titles, labels, target...) with harness.MaskSecrets, the
// rule the transcripts follow: the argument of a PASS command line is
// always masked, and each secret (with its URL-escaped forms) wherever it
// stands as a whole token, so that a password "conform" is hidden in
// "ftp://u:conform@host" but the scratch directory "ftpconform-1a2b" stays
// readable. The harness already redacts its transcripts; this is the
// second line of defence, for a secret that reached a message some other
// way (a server echoing the password in an error reply, say).
//
// The password of a Target written as an ftp:// URL is masked too.
// Empty secrets are ignored.
func (r *Run) Redact(secrets ...string) {
	if u, err := url.Parse(r.Target); err == nil && u.User != nil {
		if p, ok := u.User.Password(); ok {
			secrets = append(slices.Clone(secrets), p)
		}
	}
	str := func(p *string) { *p = harness.MaskSecrets(*p, secrets...) }
	list := func(l []string) {
		for i := range l {
			str(&l[i])
		}
	}

	str(&r.Tool)
	str(&r.Version)
	str(&r.Target)
	str(&r.Stopped)
	for i := range r.Checks {
		c := &r.Checks[i]
		str(&c.Key)
		str(&c.ID)
		str(&c.Title)
		str(&c.Level)
		str(&c.RFC)
		str(&c.Section)
		list(c.Labels)
		str(&c.Message)
		str(&c.Location)
		list(c.Warnings)
		list(c.Info)
		str(&c.Transcript)
		str(&c.BlockedBy)
		str(&c.Baseline)
	}
	// Counts are keyed by level and RFC, which may have changed.
	r.Counts = Count(r.Checks)
}
