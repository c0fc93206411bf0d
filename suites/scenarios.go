package suites

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/ftpconform/ftpconform/checkmeta"
	"github.com/ftpconform/ftpconform/harness"
	"github.com/ftpconform/ftpconform/harness/script"
)

// Scripted scenarios (harness/script) are checks like the others: each
// becomes one check of the run, keyed ID/slug, with the level of its
// requirement, its labels, and the same verdicts, prerequisites and
// reports. The user's come from Config.Scripts (run --scripts DIR).

// LabelScript marks every scripted scenario.
const LabelScript = "script"

// ScenarioCatalog is the builtin catalog with the requirements the
// scenarios name with IDs of their own, or why the scenarios cannot run:
// an own ID without a level, a catalog ID given another level than the
// catalog's, two scenarios with one key or one title. Each problem names
// the scenario's file and line.
func ScenarioCatalog(scripts []*script.Script) (checkmeta.Catalog, error) {
	builtin := checkmeta.Builtin()
	// The compiled-in scenarios' keys and titles are taken.
	scripts = append(slices.Clone(builtinScenarios), scripts...)
	var problems script.ErrorList
	own := map[string]checkmeta.Requirement{}
	ownFrom := map[string]string{}
	keys := map[string]string{}
	titles := map[string]string{}
	for _, s := range scripts {
		at := func(line int, format string, args ...any) {
			problems = append(problems, &script.Error{File: s.File, Line: line, Msg: fmt.Sprintf(format, args...)})
		}
		key := s.Key()
		if prev, dup := keys[key]; dup {
			at(s.IDLine, "key %s is also %s's: rename one of the files or give it another id", key, prev)
		}
		keys[key] = s.File
		if prev, dup := titles[s.Title]; dup {
			at(s.TitleLine, "title %q is also %s's", s.Title, prev)
		}
		titles[s.Title] = s.File
		if req, ok := builtin[s.ID]; ok {
			if s.Level != "" && s.Level != req.Level {
				at(s.LevelLine, "level %s, but the catalog gives %s level %s: leave the level out or use an id of your own", s.Level, s.ID, req.Level)
			}
			continue
		}
		if s.Level == "" {
			at(s.IDLine, "id %s is not in the catalog: a requirement of your own needs a level (level: MUST, SHOULD, MAY or POLICY)", s.ID)
			continue
		}
		if prev, seen := own[s.ID]; seen {
			if prev.Level != s.Level {
				at(s.LevelLine, "level %s, but %s gives %s level %s", s.Level, ownFrom[s.ID], s.ID, prev.Level)
			}
			continue
		}
		req := checkmeta.Requirement{ID: s.ID, Level: s.Level, Text: s.Title}
		if err := builtin.CheckLocal(req); err != nil {
			at(s.IDLine, "%v", err)
			continue
		}
		own[s.ID], ownFrom[s.ID] = req, s.File
	}
	if len(problems) > 0 {
		return nil, problems
	}
	return builtin.WithLocal(slices.Collect(maps.Values(own))...)
}

// scenarioChecks registers the compiled-in scenarios and the run's own,
// each set in a container of its own.
func (r *Run) scenarioChecks() {
	Describe("RFC 959 §5.4 command-reply tables (scripted)", Label(LabelBuiltinScenario), func() {
		for _, s := range builtinScenarios {
			r.scenarioCheck(s, true)
		}
	})
	if len(r.cfg.Scripts) == 0 {
		return
	}
	Describe("Scripted scenarios", Label(LabelScript), func() {
		for _, s := range r.cfg.Scripts {
			r.scenarioCheck(s, false)
		}
	})
}

// scenarioCheck registers one scenario as a check.
func (r *Run) scenarioCheck(s *script.Script, builtin bool) {
	labels := slices.Clone(s.Labels)
	if s.Writes {
		labels = append(labels, "write")
	}
	loc := types.CodeLocation{FileName: s.File, LineNumber: 1}
	r.check(loc, s.Key(), s.Title, Label(labels...), func(ctx *Ctx) { runScenario(ctx, s, builtin) })
}

// runScenario is the body of a scenario's check: skipped with the reason
// when the target or the server's FEAT does not offer what it needs; a
// scratch directory when it uses one; then its steps, and a failure at
// the line whose expectation did not hold.
func runScenario(ctx *Ctx, s *script.Script, builtin bool) {
	for _, n := range s.Needs {
		scenarioNeed(ctx, n)
	}
	t := ctx.cfg.Target
	// user, password and host come from the target (script.Env).
	vars := map[string]string{}
	if s.Scratch {
		c := login(ctx)
		dir := scratch(ctx, c)
		// Absolute when the preflight learnt the login directory, so
		// that a scenario may change directories first.
		if f := ctx.cfg.Facts; f != nil && f.Home != "" {
			dir = joinPath(f.Home, dir)
		}
		vars["scratch"] = dir
		_, _ = c.Quit(ctx)
	}
	env := script.Env{Target: t, Transcript: ctx.transcript(), Vars: vars}
	if builtin {
		// The built-in checks judge codes as the Go checks do: a code of
		// an expected class that the table does not list is tolerated.
		env.CodeMismatch = toleratedCode(ctx)
	}
	err := s.Run(ctx, env)
	if err == nil {
		return
	}
	var f *script.Failure
	if errors.As(err, &f) {
		AddReportEntry(checkmeta.EntryLocation, fmt.Sprintf("%s:%d", f.File, f.Line), ReportEntryVisibilityNever)
	}
	if s.Quote != "" {
		ctx.failf("%v\n(%s relies on: %s)", err, s.ID, s.Quote)
	}
	ctx.failf("%v", err)
}

// scenarioNeed skips the running scenario when the target or the server
// does not offer n: TLS, a data direction, or a feature FEAT lists.
// "write" is the label's business (read-only runs skip the check).
func scenarioNeed(ctx *Ctx, n string) {
	t := ctx.cfg.Target
	switch strings.ToLower(n) {
	case "write":
	case "tls":
		if t.TLS == harness.TLSOff {
			Skip("the scenario needs TLS: the run is in plain FTP (run with --tls explicit or implicit)")
		}
	case "feat":
		if f := ctx.cfg.Facts; f != nil && (f.Features == nil || !f.Features.Supported()) {
			Skip("the scenario needs FEAT: the server does not answer it with a feature list")
		}
	case "passive":
		needEither(ctx, harness.CapPASV, harness.CapEPSV)
	case "active":
		needEither(ctx, harness.CapPORT, harness.CapEPRT)
	default:
		f := ctx.cfg.Facts
		switch {
		case f == nil:
			// No preflight: nothing known, nothing skipped.
		case f.Features == nil:
			Skip(fmt.Sprintf("the scenario needs %s: the server did not answer FEAT", n))
		case !f.Features.Has(n):
			Skip(fmt.Sprintf("the scenario needs %s, which the server's FEAT does not list", n))
		}
	}
}

// needEither blocks the running check when neither of two capabilities
// works: a scenario that needs "passive" can do with PASV or EPSV. (Its
// data steps name their command; the gate blocks a broken one there.)
func needEither(ctx *Ctx, a, b harness.Capability) {
	root, reason, blockedA := ctx.blockingPrerequisite(a)
	if _, _, blockedB := ctx.blockingPrerequisite(b); blockedA && blockedB {
		blocked(root, reason)
	}
}
