package resolvers

// gqlgen reads gqlgen.yml at the module root, so it runs from there.
//go:generate go run -C .. github.com/99designs/gqlgen generate
