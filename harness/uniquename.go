package harness

import (
	"crypto/rand"
	"encoding/hex"
)

// UniqueName returns a name no other run uses: prefix-<8 hex digits>, for
// scratch files and directories, account names without an account, and
// wrong passwords.
func UniqueName(prefix string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}
