package x12

import (
	"errors"
	"fmt"
	"os"
	"time"
)

func ExampleBuild270() {
	out, err := Build270(InquiryRequest{
		Envelope: Envelope{
			SenderQualifier: "ZZ", SenderID: "CAREFLOW", ReceiverQualifier: "ZZ", ReceiverID: "CLEARINGHOUSE",
			ControlNumber: 7, Date: time.Date(2024, 3, 15, 9, 30, 0, 0, time.UTC), Usage: 'T',
		},
		TraceNumber: "CHK-APPT-7",
		PayerName:   "Acme Health Plan", PayerID: "ACME01",
		Provider:     Provider{NPI: "1234567893", OrganizationName: "Riverside Clinic"},
		Subscriber:   Subscriber{MemberID: "W1", LastName: "Doe", FirstName: "Jane", BirthDate: time.Date(1985, 2, 14, 0, 0, 0, 0, time.UTC)},
		ServiceTypes: []string{"30", "98"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, segs, _ := Split(out)
	fmt.Println(len(segs), "segments, SE01 =", segs[len(segs)-3].Element(1))
	// Output: 17 segments, SE01 = 13
}

func ExampleBuild270_validation() {
	_, err := Build270(InquiryRequest{TraceNumber: "checkin:appt-7"})
	var ve *ValidationError
	if errors.As(err, &ve) {
		fmt.Println(ve.Has("TraceNumber"), ve.Has("Subscriber.MemberID"))
	}
	// Output: true true
}

func ExampleParse271() {
	data, err := os.ReadFile("testdata/271/active_copay.x12")
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := Parse271(data)
	if err != nil {
		fmt.Println(err)
		return
	}
	copay, _ := r.Copay("98")
	remaining, _ := r.DeductibleRemaining("30")
	fmt.Println(*r.Active, r.PlanName, copay, remaining)
	// Output: true ACME GOLD PPO 25.00 1200.50
}
