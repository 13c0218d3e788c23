//go:build ignore

// Zero-install entry point for the mage targets: `go run mage.go <target>`
// (`go run mage.go -l` lists them). It compiles magefile.go with the mage
// version pinned in go.mod, so mage itself need not be installed.
package main

import (
	"os"

	"github.com/magefile/mage/mage"
)

func main() { os.Exit(mage.Main()) }
