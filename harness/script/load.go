package script

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// ext is the extension of scenario files.
const ext = ".ftp"

// LoadDir parses every *.ftp file under dir, recursively, sorted by path.
// Each script's File is its path joined to dir as given
// ("examples/scripts/rest-resume.ftp"), and its fixtures are read relative
// to its own directory. The error, if any, is an ErrorList with the
// problems of every file, and these across files: two scenarios with the
// same title, or with the same key (ID/slug). A directory without
// scenarios is an error too. The scripts that are sound are returned
// beside the error.
func LoadDir(dir string) ([]*Script, error) {
	return load(os.DirFS(dir), ".", func(p string) string { return filepath.Join(dir, filepath.FromSlash(p)) }, dir)
}

// LoadFS is LoadDir over a file system (for scenarios built in with
// go:embed); dir is a path in fsys ("." for its root), and each script's
// File is its path in fsys.
func LoadFS(fsys fs.FS, dir string) ([]*Script, error) {
	return load(fsys, dir, func(p string) string { return p }, dir)
}

// load finds and parses the scenarios under dir in fsys; name turns a
// path in fsys into the File shown.
func load(fsys fs.FS, dir string, name func(string) string, shownDir string) ([]*Script, error) {
	var errs ErrorList
	var files []string
	walkErr := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, &Error{File: name(p), Msg: fsErrText(err)})
			if d != nil && d.IsDir() && p != dir {
				return fs.SkipDir
			}
			return nil
		}
		if !d.IsDir() && strings.HasSuffix(p, ext) && d.Type().IsRegular() {
			files = append(files, p)
		}
		return nil
	})
	if walkErr != nil {
		errs = append(errs, &Error{File: shownDir, Msg: fsErrText(walkErr)})
	}
	slices.Sort(files)
	if len(files) == 0 && len(errs) == 0 {
		errs = append(errs, &Error{File: shownDir, Msg: "no scenario files (*" + ext + ") here"})
	}
	var scripts []*Script
	titles := map[string]*Script{}
	keys := map[string]*Script{}
	for _, p := range files {
		src, err := fs.ReadFile(fsys, p)
		if err != nil {
			errs = append(errs, &Error{File: name(p), Msg: fsErrText(err)})
			continue
		}
		// p is a valid path of fsys, and so is its directory: no error.
		fixtures, _ := fs.Sub(fsys, path.Dir(p))
		s, list := parse(name(p), src, fixtures)
		if len(list) > 0 {
			errs = append(errs, list...)
			continue
		}
		if other, dup := titles[s.Title]; dup {
			errs = append(errs, &Error{File: s.File, Line: s.TitleLine,
				Msg: fmt.Sprintf("duplicate title %q (also in %s)", s.Title, other.File)})
			continue
		}
		if other, dup := keys[s.Key()]; dup {
			errs = append(errs, &Error{File: s.File, Line: s.IDLine,
				Msg: fmt.Sprintf("duplicate key %s (also %s): rename the file or change the id", s.Key(), other.File)})
			continue
		}
		titles[s.Title], keys[s.Key()] = s, s
		scripts = append(scripts, s)
	}
	return scripts, errs.err()
}
