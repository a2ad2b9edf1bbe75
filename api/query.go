package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"go.temporal.io/api/serviceerror"
)

// queryWorkflow runs a process's status query against a run (the latest when runID is empty)
// and decodes the answer into T. Every process exposes its live State this way.
func queryWorkflow[T any](ctx context.Context, s *server, wid, runID, query string, timeout time.Duration) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var st T
	v, err := s.d.Temporal.QueryWorkflow(ctx, wid, runID, query)
	if err != nil {
		return st, err
	}
	err = v.Get(&st)
	return st, err
}

// latestRun describes the workflow to learn its latest run ID; it tells a missing process
// (NotFound) from a slow worker and yields the ID for Web UI links.
func (s *server) latestRun(ctx context.Context, wid string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	desc, err := s.d.Temporal.DescribeWorkflowExecution(ctx, wid, "")
	if err != nil {
		return "", err
	}
	return desc.GetWorkflowExecutionInfo().GetExecution().GetRunId(), nil
}

// updateProblem answers a failed update. Temporal answers NotFound for an update to a closed
// run; the caller then learns that the process exists but takes no more changes (422), not that
// it is unknown (404).
func (s *server) updateProblem(w http.ResponseWriter, r *http.Request, err error, wid, what, notFound string) {
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) && s.workflowExists(r.Context(), wid) {
		s.problem(w, r, Problem{Status: http.StatusUnprocessableEntity, Type: ProblemUpdateRejected,
			Detail: "the " + what + " is closed and takes no further changes"})
		return
	}
	s.temporalProblem(w, r, err, notFound)
}

// workflowExists reports whether Temporal knows the workflow, open or closed.
func (s *server) workflowExists(ctx context.Context, wid string) bool {
	ctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	_, err := s.d.Temporal.DescribeWorkflowExecution(ctx, wid, "")
	return err == nil
}
