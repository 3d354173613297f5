"""Operations: what happens at the gate itself, from camera reads to trucks crossing."""
