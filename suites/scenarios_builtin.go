package suites

import (
	"embed"
	"strconv"

	"github.com/ftpconform/ftpconform/harness"
	"github.com/ftpconform/ftpconform/harness/script"
)

// The checks that are a plain sequence of commands and expected replies
// (RFC 959 §5.4's command-reply tables) are scripted scenarios in
// suites/scenarios, compiled in: every run exercises the format users
// write their own scenarios in. Checks with richer logic stay in Go.

//go:embed scenarios/*.ftp
var builtinScenarioFiles embed.FS

// builtinScenarios are the compiled-in scenarios, parsed once; a broken
// one is a programming error, found by any test that builds a run.
var builtinScenarios = func() []*script.Script {
	ss, err := script.LoadFS(builtinScenarioFiles, "scenarios")
	if err != nil {
		panic("suites: built-in scenarios: " + err.Error())
	}
	for _, s := range ss {
		// Shown as a path of the module, like the Go checks' locations.
		s.File = "suites/" + s.File
	}
	return ss
}()

// LabelBuiltinScenario marks the compiled-in scenarios.
const LabelBuiltinScenario = "scripted"

// toleratedCode is a built-in scenario's judgement of a reply code its
// expect step did not list: one of the same class as a listed exact code
// is tolerated as in the Go checks (RFC 1123 §4.1.2.11; tolerateCode),
// anything else fails the step.
func toleratedCode(ctx *Ctx) func(sent string, want []string, got *harness.Reply) bool {
	return func(sent string, want []string, got *harness.Reply) bool {
		var codes []int
		for _, w := range want {
			if n, err := strconv.Atoi(w); err == nil {
				codes = append(codes, n)
			}
		}
		if judgeCode(got.Code, codes) != codeTolerated {
			return false
		}
		tolerateCode(ctx, sent, got, codes)
		return true
	}
}
