package gitops_test

import "porthole/remote"

type (
	remoteCommand = remote.Command
	remoteResult  = remote.Result
)
