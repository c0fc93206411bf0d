package fakeserver

import (
	"fmt"
	"net"
)

// Faults for checks of the 227 grammar and of Telnet escaping in replies.
const (
	faultPasvPortOneNumber = "pasv-port-one-number"
	faultIACNotDoubled     = "iac-not-doubled"
)

func init() {
	faultRegistry = append(faultRegistry,
		Fault{Name: faultPasvPortOneNumber,
			Description: "the 227 reply gives the port as one decimal number: (h1,h2,h3,h4,port)",
			Breaks:      []string{"RFC959-4.2.1-227-NUMBERS", "RFC1123-4.1.2.6-PASV-MUST"},
			install: func(h *hooks) {
				h.pasvText = func(ip net.IP, port int) string {
					return fmt.Sprintf("Entering Passive Mode (%d,%d,%d,%d,%d).", ip[0], ip[1], ip[2], ip[3], port)
				}
			}},
		Fault{Name: faultIACNotDoubled,
			Description: "a byte 0xFF in a reply (e.g. in a pathname) is sent once instead of as IAC IAC",
			Breaks:      []string{"RFC1123-3.2.6-IAC-DOUBLE"},
			install:     func(h *hooks) { h.appendLine = appendIACOnce }},
	)
}

// appendIACOnce appends a reply line and CRLF without doubling 0xFF bytes
// (iac-not-doubled).
func appendIACOnce(buf []byte, line string) []byte {
	return append(append(buf, line...), '\r', '\n')
}
