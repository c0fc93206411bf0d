package fakeserver

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Faults of RFC 3659 beyond those of faults_ext.go: one for each rule of
// SIZE, MDTM, REST in stream mode, MLST, MLSD, OPTS MLST and TVFS that the
// checks of suites/rfc3659_*.go judge. Each is one deviation seen in real
// servers or an easy mistake, through the declared hooks.

// Fault names (the tests refer to them).
const (
	faultSizeMultiline        = "size-multiline"
	faultSizeExtraText        = "size-extra-text"
	faultSizeASCIIRaw         = "size-ascii-raw"
	faultMdtmExtraText        = "mdtm-extra-text"
	faultMdtmYearOffset       = "mdtm-year-offset"
	faultMdtmMissingEpoch     = "mdtm-missing-epoch"
	faultMdtmSetForm          = "mdtm-set-form"
	faultMlsxGlobbing         = "mlsx-globbing"
	faultRestZeroRefused      = "rest-zero-refused"
	faultRest32BitLimit       = "rest-32bit-limit"
	faultRestOffByOne         = "rest-off-by-one"
	faultRestZeroIgnored      = "rest-zero-ignored"
	faultRestSticky           = "rest-sticky"
	faultRestAppePastEnd      = "rest-appe-past-end"
	faultRestASCIIFileOffset  = "rest-ascii-file-offset"
	faultFeatMLSTBadFactlist  = "feat-mlst-bad-factlist"
	faultFeatMLSTStarsStale   = "feat-mlst-stars-stale"
	faultFeatMLSTFewFacts     = "feat-mlst-few-facts"
	faultMlstOverData         = "mlst-over-data"
	faultMlsdMissingEmpty     = "mlsd-missing-empty"
	faultMlsdNoPrelim         = "mlsd-no-prelim"
	faultMlsdBareLF           = "mlsd-bare-lf"
	faultMlsdTotalLine        = "mlsd-total-line"
	faultMlsxPadded           = "mlsx-padded"
	faultMlsxUnprefixedFact   = "mlsx-unprefixed-fact"
	faultMlsdCdirWithoutType  = "mlsd-cdir-without-type"
	faultMlsxUniqueShared     = "mlsx-unique-shared"
	faultMlsxModifyOtherClock = "mlsx-modify-other-clock"
	faultMlsxModifyCached     = "mlsx-modify-cached"
	faultMlsxCreateAfterMod   = "mlsx-create-after-modify"
	faultMlsxPermReadOnly     = "mlsx-perm-read-only"
	faultMlsxName7Bit         = "mlsx-name-7bit"
	faultMlstNameHostPath     = "mlst-name-host-path"
	faultMlsdQualifiedNames   = "mlsd-qualified-names"
	faultTVFSAbsoluteFromCwd  = "tvfs-absolute-from-cwd"
	faultTVFSRelativeRefused  = "tvfs-relative-refused"
)

// What some of the faults send.
const (
	rest32BitMax              = 1<<31 - 1        // the largest offset of rest-32bit-limit
	mdtmEpoch                 = "19700101000000" // mdtm-missing-epoch's time
	sharedUnique              = "d801"           // mlsx-unique-shared's token
	unprefixedFact, factValue = "owner", "conform"
	otherClock                = 10 * time.Minute // mlsx-modify-other-clock's lead
)

func init() {
	faultRegistry = append(faultRegistry, rfc3659Faults...)
}

var rfc3659Faults = []Fault{
	// SIZE and MDTM (RFC 3659 §2.3, §3, §4).
	{Name: faultSizeMultiline, Description: "SIZE of a file in TYPE I answers in multi-line form (\"213-File size:\", \"213 3000\")",
		Breaks: []string{"RFC3659-4.1-SIZE-213"},
		override: insteadOf("SIZE", func(s *session, r *request) bool { return s.binary && targetIs(isRegular)(s, r) },
			func(s *session, r *request) {
				_, fi, _ := argTarget(s, r, true)
				s.sendLines("213-File size:", "213 "+strconv.FormatInt(fi.Size(), 10))
			})},
	{Name: faultSizeExtraText, Description: "SIZE answers with a unit after the number (\"213 3000 bytes\")",
		Breaks:  []string{"RFC3659-4.1-SIZE-EXACT-FORMAT"},
		install: answer213("SIZE", func(_ *session, text string) string { return text + " bytes" })},
	{Name: faultSizeASCIIRaw, Description: "SIZE in TYPE A answers the size of the file as stored, not the octets a RETR in TYPE A sends (LF sent as CRLF)",
		Breaks: []string{"RFC3659-4-SIZE-EXACT/ascii"},
		install: func(h *hooks) {
			h.answer = append(h.answer, func(s *session, r *request, code int, text string) (int, string) {
				if r.verb != "SIZE" || code != codeFileStatus || s.binary {
					return code, text
				}
				if _, fi, ok := argTarget(s, r, true); ok && fi != nil {
					return code, strconv.FormatInt(fi.Size(), 10)
				}
				return code, text
			})
		}},
	{Name: faultMdtmExtraText, Description: "MDTM names the time zone after the time-val (\"213 20260102030405 GMT\")",
		Breaks:  []string{"RFC3659-3.1-MDTM-EXACT"},
		install: answer213("MDTM", func(_ *session, text string) string { return text + " GMT" })},
	{Name: faultMdtmYearOffset, Description: "MDTM writes the year as the years since 1900 in four digits (\"213 0126...\" in 2026), outside 1000-9999",
		Breaks: []string{"RFC3659-2.3-TIME-RANGES"},
		install: answer213("MDTM", func(_ *session, text string) string {
			year, err := strconv.Atoi(text[:min(4, len(text))])
			if err != nil || len(text) < 4 {
				return text
			}
			return strconv.Itoa(10000 + year - 1900)[1:] + text[4:]
		})},
	{Name: faultMdtmMissingEpoch, Description: "MDTM of a missing file answers \"213 19700101000000\" (the time of a zero time stamp) instead of 550",
		Breaks:   []string{"RFC3659-3.2-MDTM-550"},
		override: insteadOf("MDTM", targetIs(missing), func(s *session, _ *request) { s.reply(codeFileStatus, mdtmEpoch) })},
	{Name: faultMdtmSetForm, Description: "\"MDTM time-val name\" sets the modification time of the file name and answers 213, as vsftpd's extension does, instead of looking for a file named \"time-val name\"",
		Breaks: []string{"RFC3659-3.1-MDTM-ARG-LITERAL"},
		override: insteadOf("MDTM", mdtmSetForm, func(s *session, r *request) {
			tv, name, _ := strings.Cut(r.arg, " ")
			t, _ := time.Parse("20060102150405", tv)
			p, _ := s.resolve(name)
			if err := s.srv.root.Chtimes(rootRel(p), t, t); err != nil {
				s.reply(codeFileUnavailable, "Cannot set the time.")
				return
			}
			s.reply(codeFileStatus, "Modify="+tv+"; "+name)
		})},
	{Name: faultMlsxGlobbing, Description: "SIZE, MDTM, MLST and MLSD expand \"*\" and \"?\" in their pathname to the first matching name of the working directory",
		Breaks: []string{"RFC3659-2.2.2-NO-WILDCARDS-MLSX"},
		override: func(s *session, r *request) bool {
			if !verbIn(r, "SIZE", "MDTM", "MLST", "MLSD") || !s.loggedIn || !strings.ContainsAny(r.arg, "*?") {
				return false
			}
			if entries, err := s.readDir(s.cwd); err == nil {
				for _, e := range entries {
					if ok, _ := path.Match(r.arg, e.name); ok {
						r.arg = e.name // then the normal handler answers for it
						break
					}
				}
			}
			return false
		}},

	// REST in stream mode (RFC 3659 §5).
	{Name: faultRestZeroRefused, Description: "REST 0 answers 501 (\"the offset must be positive\"), though FEAT lists REST STREAM",
		Breaks: []string{"RFC3659-5.3-REST-350"},
		override: replyInstead("REST", codeBadArguments, "Restart offset must be positive.", func(s *session, r *request) bool {
			return s.loggedIn && r.arg == "0"
		})},
	{Name: faultRest32BitLimit, Description: "REST with an offset above 2^31-1 answers 501, as a server with 32-bit offsets does, instead of 350",
		Breaks: []string{"RFC3659-5.3-REST-SYNTAX"},
		override: replyInstead("REST", codeBadArguments, "Restart offset out of range.", func(s *session, r *request) bool {
			n, err := strconv.ParseInt(r.arg, 10, 64)
			return s.loggedIn && isDigits(r.arg) && (err != nil || n > rest32BitMax)
		})},
	{Name: faultRestOffByOne, Description: "RETR after REST n starts at octet n-1, as if offsets counted from 1",
		Breaks: []string{"RFC3659-5.1-REST-OFFSET"},
		override: func(s *session, r *request) bool {
			if r.verb == "RETR" && r.prev.kind == seqRest && r.prev.offset > 0 {
				r.prev.offset--
			}
			return false
		}},
	{Name: faultRestZeroIgnored, Description: "REST 0 right after REST n answers 350 but leaves the offset n in force",
		Breaks: []string{"RFC3659-5.3-REST-ZERO"},
		override: insteadOf("REST", func(s *session, r *request) bool {
			return s.loggedIn && r.arg == "0" && r.prev.kind == seqRest && r.prev.offset > 0
		}, func(s *session, r *request) {
			s.seq = r.prev
			s.reply(codePendingInfo, "Restarting at 0. Send RETR or STOR.")
		})},
	{Name: faultRestSticky, Description: "a REST offset stays in force for every later RETR, STOR and APPE until another REST",
		Breaks: []string{"RFC3659-5.3-REST-ONCE"},
		override: func(s *session, r *request) bool {
			switch {
			case r.verb == "REST" && isDigits(r.arg):
				s.faults.lastRest, _ = strconv.ParseInt(r.arg, 10, 64)
			case verbIn(r, "RETR", "STOR", "APPE") && r.prev.kind != seqRest && s.faults.lastRest > 0:
				r.prev = seqState{kind: seqRest, offset: s.faults.lastRest}
			}
			return false
		}},
	{Name: faultRestAppePastEnd, Description: "APPE after REST n writes at the end of the file plus n (leaving n zero octets) instead of at octet n",
		Breaks: []string{"RFC3659-5.3-REST-RETR-STOR"},
		install: func(h *hooks) {
			h.upload = func(x *transfer, f *os.File) (io.Writer, error) {
				if x.kind != xferAPPE || !x.restart {
					return storeInto(x, f)
				}
				end, err := f.Seek(0, io.SeekEnd)
				if err == nil {
					_, err = f.Seek(end+x.fileOff, io.SeekStart)
				}
				return x.unrepresent(f), err
			}
		}},
	{Name: faultRestASCIIFileOffset, Description: "RETR in TYPE A after REST n starts at octet n of the file as stored, not of the TYPE A stream (which has a CR before each LF)",
		Breaks: []string{"RFC3659-5.2-REST-ASCII"},
		install: func(h *hooks) {
			h.download = func(x *transfer, file io.Reader) io.Reader {
				if x.binary || x.offset == 0 {
					return represent(x, file)
				}
				// The caller skips x.offset octets of the stream; skip
				// them in the file instead and hand over a stand-in.
				if _, err := io.CopyN(io.Discard, file, x.offset); err != nil {
					return represent(x, file)
				}
				return io.MultiReader(bytes.NewReader(make([]byte, x.offset)), represent(x, file))
			}
		}},

	// The MLST feature line (RFC 3659 §7.8).
	{Name: faultFeatMLSTBadFactlist, Description: "the MLST feature line ends its last fact without \";\" (\" MLST type*;size*;modify*;perm*;unique*\")",
		Breaks:  []string{"RFC3659-7.8-MLST-FEAT-GRAMMAR"},
		install: mlstFeatLine(func(l string) string { return strings.TrimSuffix(l, ";") })},
	{Name: faultFeatMLSTStarsStale, Description: "FEAT marks the default facts with \"*\" also after OPTS MLST selected others",
		Breaks:  []string{"RFC3659-7.8-MLST-FEAT-STARS"},
		install: mlstFeatLine(func(string) string { return " MLST " + featFactList(allFacts) })},
	{Name: faultFeatMLSTFewFacts, Description: "MLST supports only the facts type, size and modify (no perm, no unique), and FEAT offers only those",
		Breaks: []string{"RFC3659-7.5.10-REQUIRED-SET"},
		install: mlstFeatLine(func(l string) string {
			return strings.NewReplacer("perm*;", "", "perm;", "", "unique*;", "", "unique;", "").Replace(l)
		}),
		override: mlsxRendered("MLST MLSD", func(e mlsxEntry) string {
			return renderEntry(e.without("perm", "unique"))
		})},

	// MLST and MLSD (RFC 3659 §7.1, §7.2).
	{Name: faultMlstOverData, Description: "MLST with a data connection set up sends its entry over it (150, the entry, 226), as MLSD would",
		Breaks: []string{"RFC3659-7.1-MLST-CONTROL"},
		override: insteadOf("MLST", func(s *session, _ *request) bool { return s.loggedIn && s.data != nil },
			func(s *session, r *request) {
				p, fi, ok := s.mlsxTarget(r)
				if !ok {
					return
				}
				typ := "file"
				if fi.IsDir() {
					typ = "dir"
				}
				entry := renderEntry(s.describe(p, fi, s.parentInfo(p), typ, p))
				s.sendListing(r, p, []byte(entry+"\r\n"))
			})},
	{Name: faultMlsdMissingEmpty, Description: "MLSD of a missing directory sends an empty listing (150, 226) instead of 550",
		Breaks: []string{"RFC3659-7.1-MLSX-501-INVALID"},
		override: insteadOf("MLSD", targetIs(missing), func(s *session, r *request) {
			p, _ := s.resolve(r.arg)
			s.sendListing(r, p, nil)
		})},
	{Name: faultMlsdNoPrelim, Description: "MLSD sends the listing and 226 without a 150 before it",
		Breaks: []string{"RFC3659-7.2-MLSD-SEQUENCE"},
		install: func(h *hooks) {
			h.prelim = func(s *session, x *transfer, code int, text string) {
				if x.verb != "MLSD" {
					s.reply(code, text)
				}
			}
		}},
	{Name: faultMlsdBareLF, Description: "MLSD ends its lines with LF instead of CRLF",
		Breaks: []string{"RFC3659-7.2-MLSD-DATA-GRAMMAR"},
		override: mlsdData(func(_ *session, _ string, _ fs.FileInfo, data []byte) []byte {
			return bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
		})},
	{Name: faultMlsdTotalLine, Description: "MLSD starts its listing with a summary line \"total N\", as ls -l does",
		Breaks: []string{"RFC3659-7.2-RIGID-FORMAT"},
		override: mlsdData(func(_ *session, _ string, _ fs.FileInfo, data []byte) []byte {
			n := bytes.Count(data, []byte("\r\n"))
			return append([]byte("total "+strconv.Itoa(n)+"\r\n"), data...)
		})},
	{Name: faultMlsxPadded, Description: "MLST and MLSD align the pathnames with three spaces after the facts (\"type=file;...;   a.txt\")",
		Breaks: []string{"RFC3659-7.2-ONE-SP-BEFORE-NAME"},
		override: mlsxRendered("MLST MLSD", func(e mlsxEntry) string {
			line := renderEntry(e)
			if len(e.facts) > 0 {
				line = strings.Replace(line, "; ", ";   ", 1)
			}
			return line
		})},

	// Facts (RFC 3659 §7.4, §7.5).
	{Name: faultMlsxUnprefixedFact, Description: "MLST and MLSD add a private fact without the \"x.\" prefix (\"owner=conform;\") to the facts they return until OPTS MLST selects others",
		Breaks: []string{"RFC3659-7.5-LOCAL-FACTS-X"},
		override: insteadOf("MLST MLSD", loggedIn, func(s *session, r *request) {
			render := func(e mlsxEntry) string {
				if s.ext.factsOff == 0 {
					e = e.with(unprefixedFact, factValue)
				}
				return renderEntry(e)
			}
			if r.verb == "MLST" {
				s.mlst(r, render)
			} else {
				s.mlsd(r, render)
			}
		})},
	{Name: faultMlsxModifyOtherClock, Description: "the modify fact of MLST and MLSD runs 10 minutes ahead of MDTM, as if it came from another clock",
		Breaks: []string{"RFC3659-2.3-TIME-CONSISTENT"},
		override: mlsxRendered("MLST MLSD", func(e mlsxEntry) string {
			if m, ok := e.get("modify"); ok {
				if t, err := time.Parse("20060102150405", m); err == nil {
					e = e.with("modify", timeVal(t.Add(otherClock)))
				}
			}
			return renderEntry(e)
		})},
	{Name: faultMlsdCdirWithoutType, Description: "MLSD lists the listed directory first also when the type fact is not selected, so that it reads as one more entry",
		Breaks: []string{"RFC3659-7.5.1.2-CDIR-ONLY-WITH-TYPE"},
		override: mlsdData(func(s *session, p string, fi fs.FileInfo, data []byte) []byte {
			if s.mlstFacts()&factType != 0 {
				return data
			}
			self := renderEntry(s.describe(p, fi, s.parentInfo(p), "cdir", p))
			return append([]byte(self+"\r\n"), data...)
		})},
	{Name: faultMlsxUniqueShared, Description: "MLST and MLSD give every object the same unique fact (the file system's device number alone)",
		Breaks: []string{"RFC3659-7.5.2-UNIQUE"},
		override: mlsxRendered("MLST MLSD", func(e mlsxEntry) string {
			if _, ok := e.get("unique"); ok {
				e = e.with("unique", sharedUnique)
			}
			return renderEntry(e)
		})},
	{Name: faultMlsxModifyCached, Description: "the modify fact of MLST and MLSD stays what the session was first told for a name, also after the file's content changed (a cache never refreshed)",
		Breaks: []string{"RFC3659-7.5.3-MODIFY"},
		override: insteadOf("MLST MLSD", loggedIn, func(s *session, r *request) {
			render := func(e mlsxEntry) string {
				if m, ok := e.get("modify"); ok {
					if s.faults.modifySeen == nil {
						s.faults.modifySeen = map[string]string{}
					}
					if first, seen := s.faults.modifySeen[e.name]; seen {
						e = e.with("modify", first)
					} else {
						s.faults.modifySeen[e.name] = m
					}
				}
				return renderEntry(e)
			}
			if r.verb == "MLST" {
				s.mlst(r, render)
			} else {
				s.mlsd(r, render)
			}
		})},
	{Name: faultMlsxCreateAfterMod, Description: "MLST and MLSD add a create fact one hour later than the modify fact",
		Breaks: []string{"RFC3659-7.5.4-CREATE"},
		override: mlsxRendered("MLST MLSD", func(e mlsxEntry) string {
			if m, ok := e.get("modify"); ok {
				if t, err := time.Parse("20060102150405", m); err == nil {
					e = e.with("create", timeVal(t.Add(time.Hour)))
				}
			}
			return renderEntry(e)
		})},
	{Name: faultMlsxPermReadOnly, Description: "the perm fact never holds a or w (files look read-only) though STOR and APPE work",
		Breaks: []string{"RFC3659-7.5.5-PERM-MEANING"},
		override: mlsxRendered("MLST MLSD", func(e mlsxEntry) string {
			if p, ok := e.get("perm"); ok {
				e = e.with("perm", strings.NewReplacer("a", "", "w", "").Replace(p))
			}
			return renderEntry(e)
		})},
	{Name: faultMlsxName7Bit, Description: "MLST and MLSD replace every octet above 0x7f of a pathname with \"?\"",
		Breaks: []string{"RFC3659-7.3-8BIT-CLEAN"},
		override: mlsxRendered("MLST MLSD", func(e mlsxEntry) string {
			b := []byte(e.name)
			for i, c := range b {
				if c > 0x7f {
					b[i] = '?'
				}
			}
			e.name = string(b)
			return renderEntry(e)
		})},
	{Name: faultMlstNameHostPath, Description: "MLST names the object by its path in the server's own file system (the served directory's path before the virtual path)",
		Breaks: []string{"RFC3659-7.3.1-MLST-NAME"},
		override: insteadOf("MLST", loggedIn, func(s *session, r *request) {
			s.mlst(r, func(e mlsxEntry) string {
				e.name = filepath.ToSlash(filepath.Join(s.srv.Root, filepath.FromSlash(e.name)))
				return renderEntry(e)
			})
		})},
	{Name: faultMlsdQualifiedNames, Description: "MLSD of a named directory prefixes each entry with the directory (\"/dir/a.txt\")",
		Breaks: []string{"RFC3659-7.3.1-MLSD-UNQUALIFIED"},
		override: insteadOf("MLSD", func(s *session, r *request) bool { return s.loggedIn && r.arg != "" },
			func(s *session, r *request) {
				s.mlsd(r, func(e mlsxEntry) string {
					if !strings.HasPrefix(e.name, "/") {
						e.name = path.Join(r.arg, e.name)
					}
					return renderEntry(e)
				})
			})},

	// TVFS pathnames (RFC 3659 §6).
	{Name: faultTVFSAbsoluteFromCwd, Description: "FEAT lists TVFS, but a pathname that starts with \"/\" (other than \"/\" itself) is resolved from the working directory",
		Breaks: []string{"RFC3659-6.2-ABSOLUTE-PATHS"},
		install: tvfsPathname(func(arg string) (string, bool) {
			if arg != "/" {
				arg = strings.TrimPrefix(arg, "/")
			}
			return arg, true
		})},
	{Name: faultTVFSRelativeRefused, Description: "FEAT lists TVFS, but a relative pathname with a \"/\" (\"sub/a.txt\") is refused as invalid",
		Breaks: []string{"RFC3659-6.2-RELATIVE-PATHS"},
		install: tvfsPathname(func(arg string) (string, bool) {
			return arg, strings.HasPrefix(arg, "/") || !strings.Contains(arg, "/")
		})},
}

// isRegular is the targetIs test of an existing plain file.
func isRegular(_ string, fi fs.FileInfo) bool { return fi != nil && fi.Mode().IsRegular() }

// mdtmSetForm is the when-condition of the mdtm-set-form fault: "MDTM
// time-val name" where name is an existing plain file and no file is
// named "time-val name".
func mdtmSetForm(s *session, r *request) bool {
	tv, name, ok := strings.Cut(r.arg, " ")
	if !s.loggedIn || !ok || len(tv) != 14 || !isDigits(tv) {
		return false
	}
	if _, err := time.Parse("20060102150405", tv); err != nil {
		return false
	}
	if p, err := s.resolve(r.arg); err == nil {
		if _, err := s.stat(p); err == nil {
			return false // a file has that whole name
		}
	}
	p, err := s.resolve(name)
	if err != nil {
		return false
	}
	fi, err := s.stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// mlstFeatLine returns an install function for a multiline hook that
// rewrites the MLST line of the FEAT listing with change.
func mlstFeatLine(change func(line string) string) func(*hooks) {
	return func(h *hooks) {
		h.multiline = append(h.multiline, func(code int, lines []string, feat bool) []string {
			if !feat {
				return lines
			}
			for i, l := range lines {
				if strings.HasPrefix(l, " MLST ") {
					lines[i] = change(l)
				}
			}
			return lines
		})
	}
}

// mlsdData returns an override that answers MLSD of a logged-in session as
// the clean server does, with the data changed by change (p and fi are
// the listed directory).
func mlsdData(change func(s *session, p string, fi fs.FileInfo, data []byte) []byte) func(*session, *request) bool {
	return insteadOf("MLSD", loggedIn, func(s *session, r *request) {
		s.mlsdChanged(r, renderEntry, func(p string, fi fs.FileInfo, data []byte) []byte { return change(s, p, fi, data) })
	})
}

// tvfsPathname returns an install function for a pathname hook that
// passes a pathname argument through change, after the clean refusal of
// NUL octets.
func tvfsPathname(change func(arg string) (string, bool)) func(*hooks) {
	return func(h *hooks) {
		h.pathname = func(_ *session, arg string) (string, bool) {
			if strings.IndexByte(arg, 0) >= 0 {
				return arg, false
			}
			return change(arg)
		}
	}
}

// without returns a copy of e without the facts names.
func (e mlsxEntry) without(names ...string) mlsxEntry {
	out := mlsxEntry{name: e.name}
	for _, f := range e.facts {
		drop := false
		for _, n := range names {
			drop = drop || f.name == n
		}
		if !drop {
			out.facts = append(out.facts, f)
		}
	}
	return out
}
