package migrations

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

// shipped pins the SHA-256 of every migration that has shipped. A database that applied a
// migration never applies it again, so an edit to one would leave existing databases and new
// ones with different schemas: a change to the schema is the next file, never an edit. A new
// migration is pinned here when it lands (the test below prints the line to add).
var shipped = map[string]string{
	"0001_catalogue.sql":                 "07b1fb3514223a055c119f0bf6ceb07ec70992fb8d51c9bee7a8922876f56541",
	"0002_app_role.sql":                  "a2c019a95ae51acc2dbb93e9647d0282e57323987714cc9dfc9d737a7c48c834",
	"0003_submissions.sql":               "af7e813c109ab9adcb96c01f5359d58aff4bb2bd2fdab86e32e784488d340cae",
	"0004_required_and_plausibility.sql": "0d3b43e2b5fdd6ebff8436dd71f5b0af68e3bac79dbba83910bd47dc811fd628",
	"0005_second_lock.sql":               "f7d08c95fe27dfed29f9cfa607138c5f783734cc6f8c4cba3a79ce844c881c03",
	"0006_publication_and_periods.sql":   "33987de299a940469f985d7eea3b939a380a5ef239ec0c1e1b34dd3a8f2460c4",
	"0007_audit_actor_name.sql":          "b0091d451dc904a6aa03cf1df2f8ea7d009ca967bec5d74caf23741290b3f533",
	"0008_report_sections.sql":           "dc1acba88c5336c1e1899de960ba568d15a577f49cb7a845bcbdf66d24497ce7",
	"0009_report_sections_path_key.sql":  "45c7155ec776f8a337adf7f25f53721f8bd33d607174fa529dfec47bd746eda9",
	"0010_submissions_list_idx.sql":      "84476f29ac1bdfad4a45f9bfdb8d4d5ebc67fc9f919cb3501ac62e7c7e1d1996",
	"0011_submission_values.sql":         "b9e4ea419e04ef7cf2f5274841d666bed25ea767cea653c95bd6e8a90412eb74",
}

func TestShippedMigrationsAreUnchanged(t *testing.T) {
	all, err := List()
	if err != nil {
		t.Fatal(err)
	}
	embedded := map[string]bool{}
	for _, m := range all {
		embedded[m.Name] = true
		sum := sha256.Sum256([]byte(m.SQL))
		got := hex.EncodeToString(sum[:])
		want, ok := shipped[m.Name]
		switch {
		case !ok:
			t.Errorf("migration %s is not pinned: once it is final, add %q: %q to shipped", m.Name, m.Name, got)
		case got != want:
			t.Errorf("migration %s has changed since it shipped (sha256 %s, pinned %s): revert it and put the change in a new migration", m.Name, got, want)
		}
	}
	for name := range shipped {
		if !embedded[name] {
			t.Errorf("shipped migration %s is missing: a migration that shipped is never removed", name)
		}
	}
}

func TestListOrdersByVersion(t *testing.T) {
	all, err := List()
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(all); i++ {
		if all[i-1].Version >= all[i].Version {
			t.Errorf("migrations out of order: %s before %s", all[i-1].Name, all[i].Name)
		}
	}
	latest, err := Latest()
	if err != nil || latest != all[len(all)-1].Version {
		t.Errorf("Latest() = %d, %v; want %d", latest, err, all[len(all)-1].Version)
	}
}
