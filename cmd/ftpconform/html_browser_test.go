package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"
)

// TestHTMLReportInBrowser renders the HTML report of a failing run in
// headless Chromium (installed by .ci/run) and checks, in the DOM the
// browser built, that the rows marked failed are exactly the JSON report's
// failures, and that they come first. It also takes a screenshot, as
// docs/report-failing.png was taken.
func TestHTMLReportInBrowser(t *testing.T) {
	browser, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed (.ci/run installs it)")
	}
	dir := t.TempDir()
	html, js := filepath.Join(dir, "report.html"), filepath.Join(dir, "report.json")
	_ = exec.Command(binary(t), "run", "--fault", "size-wrong", "--html", html, "--json", js).Run()
	b, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Checks []struct{ Key, Verdict string }
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, c := range rep.Checks {
		if c.Verdict == "failed" {
			want = append(want, c.Key)
		}
	}
	if len(want) == 0 {
		t.Fatal("the run has no failure to look for")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	flags := []string{"--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + filepath.Join(dir, "profile")}
	dom, err := exec.CommandContext(ctx, browser, append(flags, "--dump-dom", "file://"+html)...).Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom: %v", err)
	}
	rows := regexp.MustCompile(`<tr class="v-(\w[\w-]*)( known)?" id="[^"]*" data-verdict="[^"]*"[^>]*>\s*<td class="verdict">[^<]*</td>\s*<td>\s*<a href="#[^"]*"><code class="key">([^<]*)</code>`).FindAllStringSubmatch(string(dom), -1)
	if len(rows) < len(rep.Checks)/2 {
		t.Fatalf("the DOM has %d check rows; the JSON report %d checks", len(rows), len(rep.Checks))
	}
	var got []string
	for i, r := range rows {
		if r[1] == "failed" && r[2] == "" {
			got = append(got, r[3])
			if i >= len(want) {
				t.Errorf("failing row %s is at position %d, after other rows", r[3], i+1)
			}
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("failing rows in the DOM %q, failures in the JSON report %q", got, want)
	}
	shot := filepath.Join(dir, "report.png")
	if err := exec.CommandContext(ctx, browser, append(flags, "--window-size=1400,1000", "--screenshot="+shot, "file://"+html)...).Run(); err != nil {
		t.Fatalf("chromium --screenshot: %v", err)
	}
	if fi, err := os.Stat(shot); err != nil || fi.Size() < 10000 {
		t.Errorf("screenshot: %v", err)
	}
}
