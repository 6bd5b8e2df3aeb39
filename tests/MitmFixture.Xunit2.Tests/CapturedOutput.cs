using System.Collections.Concurrent;
using System.Globalization;
using Xunit.Abstractions;

namespace MitmFixture.Xunit2.Tests;

/// <summary>An <see cref="ITestOutputHelper"/> that keeps what it is given, for tests of what the fixture writes to a test's output.</summary>
internal sealed class CapturedOutput : ITestOutputHelper
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public void WriteLine(string message) => Lines.Enqueue(message);

    public void WriteLine(string format, params object[] args) => Lines.Enqueue(string.Format(CultureInfo.InvariantCulture, format, args));
}
