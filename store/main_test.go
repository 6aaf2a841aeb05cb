package store_test

import (
	"os"
	"testing"

	"planapi/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }
