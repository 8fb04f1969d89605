// Skeleton: this package is built by its own issue; the entry point exists so the workspace wiring is checked.
export {};
