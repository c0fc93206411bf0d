package harness

// ErrSuffix renders err for the end of a message: "" when err is nil,
// otherwise sep followed by the error, so that no message ever shows Go's
// "<nil>":
//
//	"got 226" + ErrSuffix("; then: ", err)   // "got 226" or "got 226; then: EOF"
func ErrSuffix(sep string, err error) string {
	if err == nil {
		return ""
	}
	return sep + err.Error()
}
