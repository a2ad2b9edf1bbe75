// Package baselinetest lets a process's workflow tests check that a new run asks
// workflow.GetVersion about its baseline only.
package baselinetest

import (
	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// Asked makes env record, in order, every change id the workflow asks workflow.GetVersion
// about with the bounds DefaultVersion..1, answering 1; a change asked with other bounds finds
// no mock, which fails the workflow under test.
func Asked(env *testsuite.TestWorkflowEnvironment) *[]string {
	var ids []string
	env.OnGetVersion(mock.Anything, workflow.DefaultVersion, 1).Return(func(id string, _, _ workflow.Version) workflow.Version {
		ids = append(ids, id)
		return 1
	})
	return &ids
}
