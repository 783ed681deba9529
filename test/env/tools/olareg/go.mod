// Wrapper module pinning olareg for scripts/provision-test-env.sh. A wrapper module (rather
// than `go install github.com/olareg/olareg/cmd/olareg@v0.2.1`) is used because the module proxy available here answers
// 403 to the version-list query that `go install pkg@version` makes.
module tkn-artifacts.test/env/tools/olareg

go 1.25.0

tool github.com/olareg/olareg/cmd/olareg

require (
	github.com/goccy/go-yaml v1.19.2 // indirect
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/olareg/olareg v0.2.1 // indirect
	github.com/spf13/cobra v1.10.2 // indirect
	github.com/spf13/pflag v1.0.10 // indirect
	github.com/sudo-bmitch/oci-digest v0.1.2 // indirect
	golang.org/x/crypto v0.50.0 // indirect
)
