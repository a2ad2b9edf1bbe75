package notifications_test

import "go.temporal.io/sdk/activity"

func activityOpts(name string) activity.RegisterOptions { return activity.RegisterOptions{Name: name} }
