/** The readscope page. */
export function App() {
  return (
    <main>
      <h1>readscope</h1>
    </main>
  );
}
