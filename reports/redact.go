package reports

import (
	"cmp"
	"net/url"
	"slices"
	"strings"
)

// Mask replaces a secret in every report.
const Mask = "****"

// Redact replaces every occurrence of each secret in every string of the
// run (messages, transcripts, warnings, info, titles, labels, target...)
// with Mask. The harness already redacts its transcripts; this is the
// second line of defence, for a secret that reached a message some other
// way (a server echoing the password in an error reply, say).
//
// Besides each secret as given, Redact masks its URL-escaped forms, since
// a password often travels inside ftp://user:pass@host, and the password
// of a Target written as such a URL. Empty secrets are ignored.
func (r *Run) Redact(secrets ...string) {
	if u, err := url.Parse(r.Target); err == nil && u.User != nil {
		if p, ok := u.User.Password(); ok {
			secrets = append(slices.Clone(secrets), p)
		}
	}
	var all []string
	for _, s := range secrets {
		if s == "" {
			continue
		}
		all = append(all, s, url.PathEscape(s), url.QueryEscape(s), url.UserPassword("", s).String()[1:])
	}
	if len(all) == 0 {
		return
	}
	// Longest first: the replacer tries its pairs in order at each
	// position, so a secret containing another is masked whole.
	slices.SortFunc(all, func(a, b string) int { return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b)) })
	all = slices.Compact(all)
	pairs := make([]string, 0, 2*len(all))
	for _, s := range all {
		pairs = append(pairs, s, Mask)
	}
	rep := strings.NewReplacer(pairs...)
	str := func(p *string) { *p = rep.Replace(*p) }
	list := func(l []string) {
		for i := range l {
			str(&l[i])
		}
	}

	str(&r.Tool)
	str(&r.Version)
	str(&r.Target)
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
	}
	// Counts are keyed by level and RFC, which may have changed.
	r.Counts = Count(r.Checks)
}
