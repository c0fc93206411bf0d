//go:build !unix

package stress

// RaiseFileLimit does nothing here: there is no limit it knows to raise.
func RaiseFileLimit() (uint64, error) { return 0, nil }
