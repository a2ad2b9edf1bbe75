package api

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
)

// process tells the generic handlers how the API reaches one kind of workflow: how an {id}
// becomes a workflow ID, how its State is queried and which view renders it. Each process
// file declares one (paymentProcess is the model).
type process[S any] struct {
	// noun names the process in problem details: "payment", "check-in", "lab order".
	noun string
	// path is the collection, e.g. "/v1/payments"; one process lives at path/{id}.
	path string
	// notFound is the 404 detail; it names nothing from the request.
	notFound string
	// validateID checks an {id} path value.
	validateID func(id string) error
	// workflowID turns the business key into the workflow ID.
	workflowID func(id string) string
	// taskQueue and workflow are what startWorkflow starts.
	taskQueue, workflow string
	// statusQuery is the query that answers the live State.
	statusQuery string
	// view renders a State and its TemporalRef as the response body.
	view func(st S, ref TemporalRef) any
	// absent, when set, reports a State that stands for no process at all: answered 404.
	absent func(st S) bool
	// emptyUpdate lets an update's empty body stand for the update's zero value.
	emptyUpdate bool
	// pendingUpdates answers an update that outlived updateTimeout with 202 and the current
	// state (or 503 with Retry-After), never 504: for processes whose updates answer within
	// their own bound whenever a worker runs.
	pendingUpdates bool
	// getContentLocation names the process's URL in Content-Location on GET too, as the
	// claim, appointment and notification answers always have.
	getContentLocation bool
}

// query runs the process's status query against a run (the latest when runID is empty).
func (p *process[S]) query(ctx context.Context, s *server, wid, runID string, timeout time.Duration) (S, error) {
	return queryWorkflow[S](ctx, s, wid, runID, p.statusQuery, timeout)
}

// answer writes the process's current state with status; a repeated start (200) also names
// the process's URL in Content-Location.
func (p *process[S]) answer(s *server, w http.ResponseWriter, r *http.Request, wid, runID, id string, status int) {
	st, err := p.query(r.Context(), s, wid, runID, queryTimeout)
	if err != nil {
		s.temporalProblem(w, r, err, p.notFound)
		return
	}
	if p.absent != nil && p.absent(st) {
		s.problem(w, r, Problem{Status: http.StatusNotFound, Detail: p.notFound})
		return
	}
	if status == http.StatusOK && (r.Method == http.MethodPost || p.getContentLocation) {
		w.Header().Set("Content-Location", p.path+"/"+id)
	}
	writeJSON(w, status, p.view(st, s.ref(wid, runID)))
}

// getHandler serves GET <path>/{id}: the live state from the workflow's status query.
func getHandler[S any](s *server, p *process[S]) handler {
	return func(w http.ResponseWriter, r *http.Request, _ *auditEntry) {
		id := r.PathValue("id")
		if err := p.validateID(id); err != nil {
			s.validationProblem(w, r, err, "id")
			return
		}
		wid := p.workflowID(id)
		// Describing first tells a missing process (NotFound) from a slow worker and yields
		// the run ID for the Web UI link.
		runID, err := s.latestRun(r.Context(), wid)
		if err != nil {
			s.temporalProblem(w, r, err, p.notFound)
			return
		}
		p.answer(s, w, r, wid, runID, id, http.StatusOK)
	}
}

// startWorkflow starts the process for business key id with input in: 201 with Location for a
// new one, 200 with the existing process's state for a repeated key. Temporal's ID reuse policy
// guarantees one process per key, ever, so a repeated request never repeats a side effect.
// initial is what the answer shows when the new workflow has not run its first task yet;
// adjust, when given, changes the start options (a process's search attributes).
func startWorkflow[S any](s *server, w http.ResponseWriter, r *http.Request, a *auditEntry, p *process[S], id string, in any,
	initial func() S, adjust ...func(*client.StartWorkflowOptions)) {
	wid := p.workflowID(id)
	a.rec.Process = wid
	opts := client.StartWorkflowOptions{
		ID:                                       wid,
		TaskQueue:                                p.taskQueue,
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		// Eager start hands the first workflow task back in the start response to a worker of
		// this process (run, loadgen), saving a matching round trip; with no local worker for
		// the queue (API-only role) the SDK starts the workflow the ordinary way.
		EnableEagerStart: true,
	}
	for _, f := range adjust {
		f(&opts)
	}
	run, err := s.d.Temporal.ExecuteWorkflow(r.Context(), opts, p.workflow, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		p.answer(s, w, r, wid, started.RunId, id, http.StatusOK)
		return
	}
	if err != nil {
		s.temporalProblem(w, r, err, p.notFound)
		return
	}
	runID := run.GetRunID()
	st, err := p.query(r.Context(), s, wid, runID, startQueryTimeout)
	if err != nil {
		// The start is durable; a query can fail only because no worker has picked the
		// workflow up yet, and that must not turn a successful start into an error.
		s.log.Debug("query after start failed", "request_id", infoFrom(r.Context()).id, "error", logText(err))
		st = initial()
	}
	w.Header().Set("Location", p.path+"/"+id)
	writeJSON(w, http.StatusCreated, p.view(st, s.ref(wid, runID)))
}

// idempotencyKeyPattern bounds Idempotency-Key: printable ASCII, as Stripe accepts.
var idempotencyKeyPattern = regexp.MustCompile(`^[\x21-\x7e]{1,255}$`)

// updateHandler serves POST <path>/{id}/<action>: it decodes a U, checks its shape with check
// (nil for none) and sends it as the update name, answering 200 with the resulting state or
// 422 when the workflow's validator refuses it. An Idempotency-Key header becomes the update's
// ID, so a repeated request with the same key gets the first one's result.
func updateHandler[S, U any](s *server, p *process[S], name string, check func(U) error) handler {
	return serveUpdate(s, p, name, p.emptyUpdate, func(u U) (any, error) {
		if check != nil {
			if err := check(u); err != nil {
				return nil, err
			}
		}
		return u, nil
	})
}

// updateFromBody is updateHandler for an update whose request body B is not the update itself
// (a claim correction's body is the corrected claim): build checks the body, which must not
// be empty, and returns the update's argument.
func updateFromBody[S, B any](s *server, p *process[S], name string, build func(B) (any, error)) handler {
	return serveUpdate(s, p, name, false, build)
}

// serveUpdate is the one update path behind updateHandler and updateFromBody. A check error
// is answered by validationProblem: 400 naming the field, or the problem it carries.
func serveUpdate[S, B any](s *server, p *process[S], name string, allowEmpty bool, build func(B) (any, error)) handler {
	return func(w http.ResponseWriter, r *http.Request, a *auditEntry) {
		id := r.PathValue("id")
		if err := p.validateID(id); err != nil {
			s.validationProblem(w, r, err, "id")
			return
		}
		wid := p.workflowID(id)
		a.rec.Process = wid
		updateID := newID()
		if key := r.Header.Get("Idempotency-Key"); key != "" {
			if !idempotencyKeyPattern.MatchString(key) {
				s.problem(w, r, Problem{Status: http.StatusBadRequest, Type: ProblemValidation, Detail: "the request is invalid",
					InvalidParams: []InvalidParam{{Name: "Idempotency-Key", Reason: "must be 1-255 printable ASCII characters"}}})
				return
			}
			// Temporal deduplicates updates by ID within a run. The update name is part of
			// the ID so that a key reused for a different action cannot silently return the
			// earlier action's result.
			updateID = "api:" + name + ":" + key
		}
		var body B
		if de := decodeStrict(w, r, &body, allowEmpty); de != nil {
			s.decodeProblem(w, r, de)
			return
		}
		arg, err := build(body)
		if err != nil {
			s.validationProblem(w, r, err, "")
			return
		}
		a.rec.Exchange = updateID
		ctx, cancel := context.WithTimeout(r.Context(), updateTimeout)
		defer cancel()
		h, err := s.d.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			UpdateID:     updateID,
			WorkflowID:   wid,
			UpdateName:   name,
			Args:         []any{arg},
			WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		var st S
		if err == nil {
			err = h.Get(ctx, &st)
		}
		if err != nil && p.pendingUpdates && isDeadline(err) && r.Context().Err() == nil {
			p.updatePending(s, w, r, wid)
			return
		}
		if err != nil {
			s.updateProblem(w, r, err, wid, p.noun, p.notFound)
			return
		}
		writeJSON(w, http.StatusOK, p.view(st, s.ref(wid, h.RunID())))
	}
}

// isDeadline reports an update that did not finish within updateTimeout.
func isDeadline(err error) bool {
	var deadline *serviceerror.DeadlineExceeded
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &deadline)
}

// updatePending answers an update that did not finish in time, which for a process with
// pendingUpdates happens only when no worker is running: 202 with the current state when the
// workflow answers a query, else 503 with Retry-After. Repeating the request with the same
// Idempotency-Key returns the update's result.
func (p *process[S]) updatePending(s *server, w http.ResponseWriter, r *http.Request, wid string) {
	st, err := p.query(r.Context(), s, wid, "", queryTimeout)
	if err != nil {
		w.Header().Set("Retry-After", "30")
		s.problem(w, r, Problem{Status: http.StatusServiceUnavailable,
			Detail: "the " + p.noun + " did not answer in time; repeat the request with the same Idempotency-Key"})
		return
	}
	writeJSON(w, http.StatusAccepted, p.view(st, s.ref(wid, "")))
}
