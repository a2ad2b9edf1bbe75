package e2e

import (
	"context"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
)

// requireListed waits until the visibility query lists workflowID: what an operator's saved
// view in the Web UI would show. Visibility is eventually consistent, hence the wait.
func (e *engine) requireListed(query, workflowID string) {
	e.t.Helper()
	require.Eventually(e.t, func() bool {
		resp, err := e.raw.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{Query: query})
		if err != nil {
			return false
		}
		for _, ex := range resp.Executions {
			if ex.GetExecution().GetWorkflowId() == workflowID {
				return true
			}
		}
		return false
	}, 30*time.Second, 200*time.Millisecond, "%s not listed by %s", workflowID, query)
}
