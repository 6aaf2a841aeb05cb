package rollupsql

import "testing"

func TestReadBits(t *testing.T) {
	bits, limit := readBits([]int64{1, 8, 9, 23})
	if limit != 24 || len(bits) != 3 || bits[0] != 0b10 || bits[1] != 0b11 || bits[2] != 0b10000000 {
		t.Errorf("readBits = %08b, %d", bits, limit)
	}
	if bits, limit := readBits([]int64{3, maxReadBits}); limit != 0 || len(bits) != 0 {
		t.Errorf("an id past the bitmap: %d bytes, limit %d; want none and 0 (= ANY)", len(bits), limit)
	}
}
