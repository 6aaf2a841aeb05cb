package server_test

import (
	"testing"
	"time"

	"planapi/testenv"
)

func TestProbeEnv(t *testing.T) {
	for i := 0; i < 5; i++ {
		s := time.Now()
		testenv.New(t)
		t.Log(time.Since(s))
	}
}
