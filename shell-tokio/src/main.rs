//! The `llm-sse` command.

fn main() {
    println!("llm-sse");
}
