module tkn-artifacts/scripts/tekton-api

go 1.22
