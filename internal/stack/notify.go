package stack

import (
	"time"

	"go.temporal.io/sdk/worker"

	emailact "github.com/careflow/engine/activities/email"
	notifyact "github.com/careflow/engine/activities/notify"
	emailclient "github.com/careflow/engine/clients/email"
	"github.com/careflow/engine/internal/sim/smtpsim"
	"github.com/careflow/engine/workers"
)

// notifyStack is the notification process's part of a running engine (#16).
type notifyStack struct {
	acts workers.NotificationActivities
}

// startNotify builds the SMTP client (the simulator when SMTP_ADDR is unset, see simulateSMTP)
// and the notification activities; it runs after the check-in vendors, whose FHIR client and
// SMS activities it shares.
func (s *Stack) startNotify() error {
	cfg := &s.Config
	ec := emailclient.Config{Addr: cfg.SMTP.Addr, Username: cfg.SMTP.Username, Password: cfg.SMTP.Password, From: cfg.SMTP.From}
	if s.smtpSim != nil {
		// The simulator listens on loopback only and offers no STARTTLS.
		ec.Insecure = true
	} else {
		s.logger.Info("smtp: relay from SMTP_ADDR", "addr", cfg.SMTP.Addr)
	}
	mail, err := emailclient.New(ec)
	if err != nil {
		return err
	}
	s.notify.acts = workers.NotificationActivities{
		Notify: &notifyact.Activities{FHIR: s.fhirClient, Records: s.Store, Now: time.Now,
			PatientLimit: cfg.SendRates.PerPatient, PatientWindow: cfg.SendRates.PerPatientWindow},
		Email: &emailact.Activities{Mail: mail, Records: s.Store},
		SMS:   s.checkinActs.SMS,
	}
	s.instrument(s.notify.acts.Notify, s.notify.acts.Email)
	s.addWorker(func() worker.Worker { return workers.NewNotificationsWorker(s.Temporal, s.notify.acts, s.wopts) })
	// Per-account send limits (TWILIO_SENDS_PER_SECOND, SMTP_SENDS_PER_SECOND) as task-queue
	// activity rates. Critical-value pages run on the lab queue, outside the Twilio limit: they
	// must never wait behind patient notices (Twilio queues a burst over the sender's rate).
	rates := cfg.SendRates
	s.addWorker(func() worker.Worker {
		return workers.NewSMSSendWorker(s.Temporal, s.notify.acts.SMS, rates.SMS, s.wopts)
	})
	s.addWorker(func() worker.Worker {
		return workers.NewEmailSendWorker(s.Temporal, s.notify.acts.Email, rates.Email, s.wopts)
	})
	return nil
}

// SMTPSim returns the built-in SMTP simulator, nil when SMTP_ADDR is configured.
func (s *Stack) SMTPSim() *smtpsim.Server { return s.smtpSim }
