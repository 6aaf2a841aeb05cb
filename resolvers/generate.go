package resolvers

// gqlgen reads gqlgen.yml at the module root, so it runs from there. cmd/gqlgen is gqlgen's
// generate with this project's one change to the executor (lists that cannot wait are
// marshalled inline): see its package comment.
//go:generate go run -C .. ./cmd/gqlgen
