"""From Expressions of Interest to a checked scenario: templates (`allocate init`), form
import (`allocate import-eoi`) and the DfE "Get Information about Schools" register."""
