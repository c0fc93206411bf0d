package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestCoverageDocumentIsCurrent regenerates docs/coverage.md and compares.
// Run `go run ./cmd/ftpconform coverage > docs/coverage.md` to update it.
func TestCoverageDocumentIsCurrent(t *testing.T) {
	out, err := exec.Command(binary(t), "coverage").Output()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "docs", "coverage.md")
	have, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (generate it with: go run ./cmd/ftpconform coverage > docs/coverage.md)", err)
	}
	if !bytes.Equal(have, out) {
		t.Errorf("docs/coverage.md is stale: run `go run ./cmd/ftpconform coverage > docs/coverage.md`")
	}
}
